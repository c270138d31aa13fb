"""Scenario panels: what sits between the verdict and the timeline, per kind of scenario.

Each panel is told about a new plan (`setup`), fed the live trace once per frame
(`update_from`) and given the result at the end (`finish`).
"""
