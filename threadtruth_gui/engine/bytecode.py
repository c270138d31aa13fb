"""A line of scenario code as the bytecode instructions CPython runs, in plain words.

Used by the bytecode view: `balance -= amount` is shown as read, compute, write, and a task
stepping one instruction at a time is marked on the instruction it runs next.
"""

from __future__ import annotations

import dis
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import CodeType
from typing import Any

_NOT_RUN = frozenset({"CACHE", "EXTENDED_ARG"})  # no opcode event of their own


@dataclass(frozen=True)
class Instr:
    offset: int
    opname: str
    argrepr: str
    gloss: str  # what it does, in words: "read account.balance"


def _gloss(ins: dis.Instruction) -> str:
    op, arg = ins.opname, ins.argrepr
    if op in ("LOAD_FAST", "LOAD_NAME", "LOAD_DEREF", "LOAD_GLOBAL"):
        return f"read {arg.removeprefix('NULL + ')}"
    if op == "LOAD_CONST":
        return f"the constant {arg}"
    if op in ("LOAD_ATTR", "LOAD_METHOD"):
        return f"read .{arg}" + (" (the shared value)" if arg == "balance" else "")
    if op in ("STORE_ATTR",):
        return f"write .{arg}" + (" (the shared value)" if arg == "balance" else "")
    if op in ("STORE_FAST", "STORE_NAME", "STORE_GLOBAL", "STORE_DEREF"):
        return f"write {arg}"
    if op == "BINARY_OP":
        return f"compute ({arg})"
    if op == "COMPARE_OP":
        return f"compare ({arg})"
    if op.startswith(("POP_JUMP", "JUMP")):
        return "jump"
    if op == "CALL":
        return "call"
    if op in ("RETURN_VALUE", "RETURN_CONST"):
        return "return"
    if op in ("COPY", "SWAP", "POP_TOP", "DUP_TOP", "ROT_TWO", "PUSH_NULL"):
        return "stack shuffle"
    if op in ("PRECALL", "KW_NAMES"):
        return "prepare the call"
    if op == "BEFORE_WITH":
        return "enter the with block (take the lock)"
    return ""


def code_of_line(functions: Iterable[Callable[..., Any]], line: int) -> CodeType | None:
    """The code object among `functions` that holds file line `line`."""
    for fn in functions:
        code: CodeType = getattr(fn, "__func__", fn).__code__
        if any(ln == line for _s, _e, ln in code.co_lines()):
            return code
    return None


def line_instructions(functions: Iterable[Callable[..., Any]], line: int) -> list[Instr]:
    """The instructions of file line `line`, in order."""
    code = code_of_line(functions, line)
    if code is None:
        return []
    out: list[Instr] = []
    for ins in dis.get_instructions(code):
        lineno = ins.positions.lineno if ins.positions is not None else None
        if lineno == line and ins.opname not in _NOT_RUN:
            out.append(Instr(ins.offset, ins.opname, ins.argrepr, _gloss(ins)))
    return out
