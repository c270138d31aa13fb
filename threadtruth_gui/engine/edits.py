"""The playground: the shown functions compiled from the lecturer's edited text, and a plan
that runs them in place of the originals (everything else as the scenario built it).

The edited text is compiled in a copy of the originals' module globals, so that an edited
`withdraw_with_lock` calls the edited `withdraw` and the scenario's module is never
changed. Its lines are numbered as the code pane numbers them: the text's first line has
the number of the first shown line, and each line after it the next number. The text is
registered in `linecache` under a file name of its own (`<edited bank_race.py …>`), so
tracebacks, `inspect` and the bytecode view read it as they read a real file.
"""

from __future__ import annotations
import __future__

import ast
import dataclasses
import functools
import hashlib
import inspect
import linecache
import traceback
import types
from collections.abc import Callable
from typing import Any

from threadtruth_gui.engine.plan import Edit, Phase, Plan, TaskSpec

__all__ = [
    "Edit",
    "EditError",
    "apply_edit",
    "compile_edit",
    "error_line",
    "shown_text",
    "syntax_error",
    "why_not_editable",
]

EDITED_PREFIX = "<edited "
_LAZY_ANNOTATIONS = __future__.annotations.compiler_flag
MAX_CHARS = 20_000  # an edit is a few functions: a run file refuses more
MAX_FIRST_LINE = 100_000  # a shown function's first line in its file


class EditError(ValueError):
    """Why the edited text cannot run, and where (1-based line in the pane's numbering and
    column; None when the fault has no one place, e.g. a function left out)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


def _originals(plan: Plan) -> list[types.FunctionType]:
    """The shown functions (a bound method's function; anything else as it is, which
    `why_not_editable` refuses)."""
    found: list[Any] = [getattr(fn, "__func__", fn) for fn in plan.code]
    return found


def why_not_editable(plan: Plan) -> str | None:
    """Why this plan's shown code cannot be edited and run, in one line; None: it can."""
    if not plan.code:
        return "this scenario shows no code to edit"
    originals = _originals(plan)
    if any(not isinstance(fn, types.FunctionType) for fn in originals):
        return "its shown code is not all plain Python functions"
    if any(phase.mode == "processes" for phase in plan.phases):
        # a process pool's workers import the function from its file by name: they would
        # run the original, whatever the pane says
        names = ", ".join(fn.__name__ for fn in originals)
        return f"its processes run {names} as their own copy loads it from its file"
    if len({fn.__module__ for fn in originals}) > 1:
        return "its shown functions come from more than one module"
    if any(fn.__code__.co_freevars for fn in originals):
        return "a shown function uses variables of the function that made it"
    return None


def shown_text(plan: Plan) -> tuple[str, int]:
    """The original text as the code pane shows it (the functions in order, a blank line
    between them) and the file line of its first line."""
    texts: list[str] = []
    first = 0
    for fn in plan.code:
        lines, start = inspect.getsourcelines(fn)
        first = first or start
        if texts:
            texts.append("")
        texts += [line.rstrip("\n") for line in lines]
    return "\n".join(texts), max(1, first)


def syntax_error(edit: Edit) -> EditError | None:
    """The edit's syntax error, if it has one (parsed only: nothing is compiled or kept),
    for marking it while it is typed."""
    try:
        _parse(edit, "<edited>")
    except EditError as exc:
        return exc
    return None


def _parse(edit: Edit, filename: str) -> ast.Module:
    """The edit's syntax tree, numbered as the pane numbers it; EditError if it has none."""
    if not 1 <= edit.first_line <= MAX_FIRST_LINE:
        raise EditError(f"The edited code's first line, {edit.first_line}, is out of range.")
    try:
        return ast.parse("\n" * (edit.first_line - 1) + edit.text, filename)
    except SyntaxError as exc:
        line, col = exc.lineno, exc.offset
        where = f" at line {line}, column {col}" if line and col else ""
        where = f" at line {line}" if line and not col else where
        raise EditError(f"Syntax error{where}: {exc.msg}", line, col) from None
    except (MemoryError, RecursionError):  # e.g. thousands of nested operators
        raise EditError("The edited code is nested too deeply for Python to read.") from None
    except UnicodeError:  # a lone surrogate (a run file's JSON can carry one)
        raise EditError("The edited code has a character that is not text.") from None
    except ValueError as exc:  # a NUL character, on Pythons that do not call it syntax
        raise EditError(f"The edited code cannot be read: {exc}") from None


def compile_edit(edit: Edit, plan: Plan) -> dict[str, types.FunctionType]:
    """The edited functions, by name; raises EditError saying what is wrong and where.
    Only definitions of the shown functions may be in the text (no other statement runs
    when it is compiled, beyond a definition's defaults)."""
    why = why_not_editable(plan)
    if why is not None:
        raise EditError(f"This scenario cannot be edited: {why}.")
    originals = _originals(plan)
    names = [fn.__name__ for fn in originals]
    shown = ", ".join(names)
    if len(edit.text) > MAX_CHARS:
        size = f"{len(edit.text):,} characters (at most {MAX_CHARS:,})"
        raise EditError(f"The edited code is {size}.")
    tree = _parse(edit, "<edited>")  # first: its first line is checked there
    padded = "\n" * (edit.first_line - 1) + edit.text
    digest = hashlib.sha1(padded.encode("utf-8")).hexdigest()[:8]
    module = originals[0].__module__.rsplit(".", 1)[-1]
    filename = f"{EDITED_PREFIX}{module}.py {digest}>"
    seen: dict[str, int] = {}
    for node in tree.body:
        where = f"line {node.lineno}"
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            what = type(node).__name__.lower()
            raise EditError(
                f"{where}: only the definitions of {shown} may be here, not a statement ({what})",
                node.lineno,
                node.col_offset + 1,
            )
        if node.name not in names:
            raise EditError(
                f"{where}: {node.name} is not a shown function (the shown: {shown})",
                node.lineno,
                node.col_offset + 1,
            )
        if node.name in seen:
            raise EditError(
                f"{where}: {node.name} is defined twice (also at line {seen[node.name]})",
                node.lineno,
                node.col_offset + 1,
            )
        if node.decorator_list:
            deco = node.decorator_list[0]
            raise EditError(f"line {deco.lineno}: decorators are not run here", deco.lineno)
        _constant_defaults(node)
        original = originals[names.index(node.name)]
        wants_async = inspect.iscoroutinefunction(original)
        if isinstance(node, ast.AsyncFunctionDef) != wants_async:
            kind = "async def" if wants_async else "def (not async def)"
            raise EditError(f"{where}: {node.name} must stay {kind}", node.lineno, 1)
        seen[node.name] = node.lineno
    missing = [name for name in names if name not in seen]
    if missing:
        raise EditError(f"{', '.join(missing)} is missing: the edited code must define {shown}")
    # annotations stay text (never evaluated), and defaults are constants (checked above):
    # compiling runs no code of the text, so opening a run file that carries one runs none
    try:
        code = compile(tree, filename, "exec", flags=_LAZY_ANNOTATIONS, dont_inherit=True)
    except (MemoryError, RecursionError):
        raise EditError("The edited code is nested too deeply for Python to compile.") from None
    except SyntaxError as exc:  # what only the compiler sees, e.g. `return` outside a def
        raise EditError(f"Syntax error at line {exc.lineno}: {exc.msg}", exc.lineno) from None
    # for tracebacks, inspect.getsource and the bytecode view; no mtime: never dropped
    linecache.cache[filename] = (len(padded), None, padded.splitlines(True), filename)
    namespace = dict(originals[0].__globals__)  # a copy: the module itself is untouched
    exec(code, namespace)
    return {name: namespace[name] for name in names}


def _constant_defaults(node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """A default is evaluated when the function is defined: only constants are allowed."""
    for default in [*node.args.defaults, *node.args.kw_defaults]:
        if default is None:
            continue
        try:
            ast.literal_eval(default)
        except ValueError:
            raise EditError(
                f"line {default.lineno}: a default value must be a constant (e.g. 0, None)",
                default.lineno,
                default.col_offset + 1,
            ) from None


def apply_edit(plan: Plan, edit: Edit) -> Plan:
    """A plan like `plan` whose tasks run the edited functions: each task's target (a
    shown function, a bound method or partial of one, or a small wrapper that calls one
    through its closure or its module's globals), the phases' shared context, and the code
    shown and watched. Raises EditError when the text cannot run."""
    new = compile_edit(edit, plan)
    swap = {id(fn): new[fn.__name__] for fn in _originals(plan)}

    def task(spec: TaskSpec, phase: Phase) -> TaskSpec:
        # A loop's thread cannot be stopped by force as a lane's thread can (Run.interrupt):
        # edited coroutines are watched, so that one that never awaits stops at its next line
        watched = spec.watch_lines or phase.mode == "asyncio"
        return dataclasses.replace(spec, target=_swapped(spec.target, swap), watch_lines=watched)

    phases = [
        dataclasses.replace(
            phase,
            tasks=[task(spec, phase) for spec in phase.tasks],
            shared=_swapped(phase.shared, swap) if phase.shared is not None else None,
            # edited coroutines run on a loop of their own, never on the window's: one that
            # never awaits (`while True: pass`) would hold the window's thread, and Reset
            # could not even be seen; on a loop's own thread the line watcher stops it
            own_loop=phase.own_loop or phase.mode == "asyncio",
        )
        for phase in plan.phases
    ]
    return _replaced(plan, phases, [_swapped(fn, swap) for fn in plan.code], edit)


def _replaced(plan: Plan, phases: list[Phase], code: list[Callable[..., Any]], edit: Edit) -> Plan:
    return dataclasses.replace(plan, phases=phases, code=code, edit=edit)


def _swapped(obj: Any, swap: dict[int, types.FunctionType], depth: int = 2) -> Any:
    """`obj` with each original function in it replaced by its edited one."""
    if id(obj) in swap:
        return swap[id(obj)]
    if isinstance(obj, types.MethodType):
        inner = _swapped(obj.__func__, swap, depth)
        return obj if inner is obj.__func__ else types.MethodType(inner, obj.__self__)
    if isinstance(obj, functools.partial):
        inner = _swapped(obj.func, swap, depth)
        return obj if inner is obj.func else functools.partial(inner, *obj.args, **obj.keywords)
    if not isinstance(obj, types.FunctionType) or depth <= 0:
        return obj
    # a wrapper (lost-updates' timer, a download's fetch): it calls the shown function
    # through a closure cell or by a global name
    cells = obj.__closure__ or ()
    new_cells = []
    for cell in cells:
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            new_cells.append(cell)
            continue
        swapped = _swapped(value, swap, depth - 1)
        # an unchanged cell is kept itself: the wrapper still shares it with its siblings
        new_cells.append(cell if swapped is value else types.CellType(swapped))
    names = _global_names(obj.__code__)
    globals_ = obj.__globals__
    changed = {
        name: swap[id(globals_[name])]
        for name in names
        if name in globals_ and id(globals_[name]) in swap
    }
    if not changed and all(a is b for a, b in zip(new_cells, cells, strict=True)):
        return obj
    new_globals = {**globals_, **changed} if changed else globals_
    copy = types.FunctionType(
        obj.__code__, new_globals, obj.__name__, obj.__defaults__, tuple(new_cells) or None
    )
    copy.__kwdefaults__ = obj.__kwdefaults__
    copy.__qualname__ = obj.__qualname__
    copy.__dict__.update(obj.__dict__)
    return copy


def _global_names(code: types.CodeType) -> set[str]:
    """The global names a function's code (and the code nested in it) may load."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def error_line(exc: BaseException) -> int | None:
    """The line of edited code an exception was raised at (the innermost such frame in its
    traceback), or None when it did not pass through edited code."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(EDITED_PREFIX):
            line = frame.lineno
    return line
