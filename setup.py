"""The one packaging step pyproject.toml cannot say: the package list, found as before, plus
threadtruth_gui.resources and its folders, which live in the top-level resources/ folder
(package-dir in pyproject.toml) where `packages.find` cannot see them."""

from setuptools import find_namespace_packages, setup

code = find_namespace_packages(include=["threadtruth_gui", "threadtruth_gui.*"])
assets = [f"threadtruth_gui.resources.{p}" for p in find_namespace_packages(where="resources")]
setup(
    packages=[
        *(p for p in [*code, *assets] if "__pycache__" not in p),
        "threadtruth_gui.resources",
    ]
)
