"""Slots: partner values that record what a template does with them, for page skeletons.

A skeleton run (see render/engine/skeleton.py) renders a page template with every
partner value replaced by a :class:`Slot`. Printing a slot prints a marker;
asking a slot whether it is true, its length or how it compares records a
guard, answered with the value of the partner the run is for; reading an
attribute, indexing or passing it to a filter records a recipe for a new
slot. Python code a template calls receives slots only through
:class:`SkeletonEnvironment`'s wrappers, which turn the call into a recipe,
so no code ever sees a slot where it expects a value. Anything else asked of
a slot (turning it into text, hashing it) raises :class:`SkeletonMiss`.
"""


from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment, FileSystemBytecodeCache, Undefined, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import AssignBlock, Compare, Concat
from jinja2.runtime import Macro, markup_join
from jinja2.utils import _PassArg
from markupsafe import Markup, escape

from ..fragments import FragmentCache
from .reads import ReadingContext

# Jinja2's minor versions this module is tested with; pyproject.toml allows these alone. _SkeletonCode
# copies CodeGenerator.visit_AssignBlock, and _PassArg is private: tests/build/test_engine.py fails loudly on
# any other version, and on a change to what is copied or imported.
TESTED_JINJA2 = ("3.1",)

MARK = "\x00"  # markers are MARK + slot number + MARK; no template or escaped value prints a NUL


class SkeletonMiss(Exception):
    """The template did something with a partner value that a skeleton cannot replay."""


class Ref(NamedTuple):
    """A slot given as an argument in a slot's recipe."""

    slot: int


class Guard(NamedTuple):
    """A question a template asked of a slot, and the answer that decided the run."""

    slot: int
    question: str  # "bool", "len", "contains", or a comparison: "eq", "ne", "lt", "le", "gt", "ge"
    operand: Any  # what the slot was compared with or searched for: a constant or a Ref
    answer: bool | int


# A slot's recipe, by kind: ("root", name), ("attr", parent, name), ("item", parent, key),
# ("call", function, args, kwargs), ("fill", text) for output captured with markers in it
# (a {% set %} block, a macro's result), and ("fragment", token, text) for a {% cached %} fragment.
Recipe = tuple[Any, ...]


class Trace:
    """What one run of a template over slots recorded."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.recipes: list[Recipe] = []
        self.values: list[Any] = []  # each slot's value for the partner the template runs for
        self.guards: list[Guard] = []
        self.open = True

    def slot(self, recipe: Recipe, value: Any) -> Slot:
        """A new slot made by ``recipe``, whose value for this run's partner is ``value``."""
        if isinstance(value, Undefined):
            raise SkeletonMiss(f"undefined value from {recipe[0]}")
        self.recipes.append(recipe)
        self.values.append(value)
        return Slot(self, len(self.values) - 1)

    def guard(self, slot: Slot, question: str, operand: Any, answer: bool | int) -> Any:
        """Record that the template asked ``question`` of ``slot`` and got ``answer``; return it."""
        self.guards.append(Guard(slot.index, question, _recipe_arg(operand), answer))
        return answer

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``function(*args, **kwargs)``, as a slot when a slot (or captured output) is among them."""
        args = tuple(_captured(self, a) for a in args)
        kwargs = {key: _captured(self, value) for key, value in kwargs.items()}
        if not any(type(a) is Slot for a in (*args, *kwargs.values())):
            return function(*args, **kwargs)
        value = function(*(_value_of(a) for a in args), **{k: _value_of(v) for k, v in kwargs.items()})
        if type(value) is Slot:
            raise SkeletonMiss(f"{function!r} returned a partner value it read itself")
        return self.slot(("call", function, tuple(_recipe_arg(a) for a in args),
                          {k: _recipe_arg(v) for k, v in kwargs.items()}), value)


def _value_of(value: Any) -> Any:
    return value.trace.values[value.index] if type(value) is Slot else value


def _recipe_arg(value: Any) -> Any:
    return Ref(value.index) if type(value) is Slot else value


def _captured(trace: Trace, value: Any) -> Any:
    """Output captured with markers in it (a ``{% set %}`` block, a macro's result) becomes a slot."""
    if isinstance(value, str) and MARK in value:
        return trace.slot(("fill", value), fill_markers(value, trace.values))
    return value


def printed(value: Any) -> str:
    """What ``{{ value }}`` prints with autoescaping on, as text.

    The same text as markupsafe's ``escape()``, without wrapping it in a new Markup (a copy
    of a whole post body) for each marker of each page: a page fills about fifty.
    """
    kind = type(value)
    if kind is Markup:
        return value
    if kind is str:  # markupsafe's own replacements, in its order
        return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
                .replace('"', "&#34;"))
    return escape(value)


def fill_markers(text: str, values: Any) -> Any:
    """``text`` with each marker replaced by its slot's value in ``values``, escaped as the template would."""
    parts = text.split(MARK)
    for position in range(1, len(parts), 2):
        parts[position] = printed(values[int(parts[position])])
    filled = "".join(parts)
    return Markup(filled) if isinstance(text, Markup) else filled


class Slot:
    """A partner value inside a skeleton run: it prints as a marker and records what is asked of it."""

    __slots__ = ("index", "trace")

    def __init__(self, trace: Trace, index: int) -> None:
        self.trace = trace
        self.index = index

    def _open(self) -> Trace:
        if not self.trace.open:
            raise SkeletonMiss("a partner value was used after its skeleton was made")
        return self.trace

    def _ask(self, question: str, operand: Any, answer: Callable[[Any], Any]) -> Any:
        trace = self._open()
        given = answer(trace.values[self.index])
        return trace.guard(self, question, operand, given if question == "len" else bool(given))

    def __html__(self) -> str:
        self._open()
        return f"{MARK}{self.index}{MARK}"

    def __bool__(self) -> bool:
        return bool(self._ask("bool", None, bool))

    def __len__(self) -> int:
        return int(self._ask("len", None, len))

    def __iter__(self) -> Any:
        trace = self._open()
        listed = trace.call(list, (self,), {})
        return iter([trace.slot(("item", listed.index, n), value)
                     for n, value in enumerate(trace.values[listed.index][:len(listed)])])

    def __contains__(self, other: Any) -> bool:
        return bool(self._ask("contains", other, lambda value: _value_of(other) in value))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("jinja_"):
            raise AttributeError(name)  # Python's and Jinja2's own questions: a partner value has no such thing
        trace = self._open()
        return trace.slot(("attr", self.index, name), trace.env.getattr(trace.values[self.index], name))

    def __getitem__(self, key: Any) -> Any:
        trace = self._open()
        if type(key) is Slot or (isinstance(key, slice) and any(type(k) is Slot for k in (key.start, key.stop))):
            return trace.call(operator.getitem, (self, key), {})
        return trace.slot(("item", self.index, key), trace.env.getitem(trace.values[self.index], key))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._open().call(_call_value, (self, *args), kwargs)

    def __str__(self) -> str:
        raise SkeletonMiss("a partner value was turned into plain text")

    def __format__(self, spec: str) -> str:
        raise SkeletonMiss("a partner value was formatted")

    __repr__ = __str__
    __hash__ = None  # type: ignore[assignment]  # slots are not dictionary keys

    def __index__(self) -> int:
        raise SkeletonMiss("a partner value was used as a number")

    __int__ = __float__ = __index__


def _call_value(function: Any, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def _comparison(question: str, compare: Callable[[Any, Any], bool]) -> Callable[[Slot, Any], bool]:
    def ask(self: Slot, other: Any) -> bool:
        return bool(self._ask(question, other, lambda value: compare(value, _value_of(other))))

    return ask


def _arithmetic(function: Callable[[Any, Any], Any], *, reflected: bool = False) -> Callable[[Slot, Any], Any]:
    def apply(self: Slot, other: Any) -> Any:
        return self._open().call(function, (other, self) if reflected else (self, other), {})

    return apply


for _name, _compare in (("eq", operator.eq), ("ne", operator.ne), ("lt", operator.lt), ("le", operator.le),
                        ("gt", operator.gt), ("ge", operator.ge)):
    setattr(Slot, f"__{_name}__", _comparison(_name, _compare))
for _name, _function in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                         ("truediv", operator.truediv), ("floordiv", operator.floordiv), ("mod", operator.mod),
                         ("pow", operator.pow)):
    setattr(Slot, f"__{_name}__", _arithmetic(_function))
    setattr(Slot, f"__r{_name}__", _arithmetic(_function, reflected=True))
for _name, _unary in (("neg", operator.neg), ("pos", operator.pos)):
    setattr(Slot, f"__{_name}__", functools.partialmethod(lambda self, f: self._open().call(f, (self,), {}), _unary))


class _SkeletonCode(CodeGenerator):
    """Jinja2's code generator, with captured output and ``~`` handed to the environment first.

    A ``{% set %}`` block or a macro's result is text with markers in it; as a slot it can
    still be compared or measured like the text the partner would get.
    """

    def visit_AssignBlock(self, node: AssignBlock, frame: Frame) -> None:
        # Jinja2's own method, with the value passed through environment.captured().
        self.push_assign_tracking()
        block_frame = frame.inner()
        block_frame.require_output_check = False
        block_frame.symbols.analyze_node(node)
        self.enter_frame(block_frame)
        self.buffer(block_frame)
        self.blockvisit(node.body, block_frame)
        self.newline(node)
        self.visit(node.target, frame)
        self.write(" = environment.captured((Markup if context.eval_ctx.autoescape else identity)(")
        if node.filter is not None:
            self.visit_Filter(node.filter, block_frame)
        else:
            self.write(f"concat({block_frame.buffer})")
        self.write("))")
        self.pop_assign_tracking(frame)
        self.leave_frame(block_frame)

    def visit_Compare(self, node: Compare, frame: Frame) -> None:
        # ``a in b`` hashes ``a`` when ``b`` is a dict or set: with ``a`` a slot (a partner's network
        # looked up in the theme's table) the environment asks it as a call, answered by a guard.
        if len(node.ops) != 1 or node.ops[0].op not in ("in", "notin"):
            super().visit_Compare(node, frame)
            return
        self.write("(not " if node.ops[0].op == "notin" else "(")
        self.write("environment.contains(")
        self.visit(node.ops[0].expr, frame)
        self.write(", ")
        self.visit(node.expr, frame)
        self.write("))")

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.joined((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("), context.eval_ctx.autoescape)")

    def macro_def(self, macro_ref: Any, frame: Frame) -> None:
        self.write("environment.capturing(")
        super().macro_def(macro_ref, frame)
        self.write(")")


# Jinja2's filters that take the context only to reach its environment's filters and tests.
_FILTERS_READING_ENVIRONMENT = frozenset({"map", "select", "reject", "selectattr", "rejectattr"})


class _SkeletonContext(ReadingContext):
    """Jinja2's context, turning a call of plain Python code with a partner value into a recipe.

    Methods of a template's own literals (``labels.get(network)``) know nothing of slots;
    filters, tests, globals and macros, which the environment wraps, handle slots themselves.
    """

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # Context.call's own argument names
        trace = __self.environment.trace  # type: ignore[attr-defined]
        if (trace is not None and type(__obj) is not Slot and not isinstance(__obj, (Macro, _CapturingMacro))
                and not hasattr(__obj, "skeleton_checked") and _PassArg.from_obj(__obj) is None
                and any(_partner_valued(a) for a in (*args, *kwargs.values()))):
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            return trace.call(__obj, args, kwargs)
        return super().call(__obj, *args, **kwargs)


class SkeletonEnvironment(Environment):
    """The theme's templates, compiled to run over slots."""

    code_generator_class = _SkeletonCode
    context_class = _SkeletonContext

    def __init__(self, theme_env: Environment, compiled: Path | None) -> None:
        options = {name: getattr(theme_env, name) for name in (
            "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
            "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
            "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "undefined",
            "autoescape", "loader", "auto_reload")}
        cache = None
        if compiled is not None:  # compiled differently from the theme environment's, so kept apart
            compiled.mkdir(parents=True, exist_ok=True)
            cache = FileSystemBytecodeCache(str(compiled))
        extensions = [_FragmentSlots if type(extension) is FragmentCache else type(extension)
                      for extension in theme_env.extensions.values()]
        super().__init__(extensions=extensions,
                         bytecode_cache=cache, **options)
        self.newstyle_gettext = getattr(theme_env, "newstyle_gettext", False)  # {% trans %} compiles by it
        self.theme_env = theme_env
        self.trace: Trace | None = None
        self.recorders: list[set[str]] = []  # see render/engine/reads.py
        self._wrapped: dict[int, tuple[Callable[..., Any], Callable[..., Any]]] = {}  # see adopt_globals
        self.filters = {name: self.checked(function, name in _FILTERS_READING_ENVIRONMENT)
                        for name, function in theme_env.filters.items()}
        self.tests = {name: self.checked(function)  # type: ignore[arg-type]
                      for name, function in theme_env.tests.items()}
        self.adopt_globals()

    def adopt_globals(self) -> None:
        """Take the theme environment's globals (its strings switch with the partner's language)."""
        # In place: loaded templates hold this dict. A function met before keeps its wrapper: partners of
        # several languages alternate, and each switch brings back functions already wrapped.
        self.globals.update({name: self._wrapper(value) if callable(value) and not isinstance(value, type) else value
                             for name, value in self.theme_env.globals.items()})

    def _wrapper(self, function: Callable[..., Any]) -> Callable[..., Any]:
        known = self._wrapped.get(id(function))
        if known is None or known[0] is not function:  # the function is kept with it, so its id is not reused
            known = self._wrapped[id(function)] = (function, self.checked(function))
        return known[1]

    def getattr(self, obj: Any, attribute: str) -> Any:
        return self.theme_env.getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if self.trace is not None and type(argument) is Slot and type(obj) is not Slot:
            # A partner value as the key of a theme's table (``networks[network]``): hashing a slot
            # would fail, so the lookup is a recipe.
            return self.trace.call(self.theme_env.getitem, (obj, argument), {})
        return self.theme_env.getitem(obj, argument)

    def contains(self, container: Any, item: Any) -> Any:
        """``item in container`` as a template asks it (see _SkeletonCode.visit_Compare)."""
        if self.trace is not None and type(item) is Slot and type(container) is not Slot:
            return self.trace.call(operator.contains, (container, item), {})
        return item in container

    def checked(self, function: Callable[..., Any], context_safe: bool = False) -> Callable[..., Any]:
        """``function`` as a template calls it: with a slot among its arguments, the call becomes a slot.

        A global that reads the template context (``pass_context``) can take a slot only if it
        says, as ``function.context_free(context) -> (plain_function, leading_args)``, what it
        reads, or if it is ``context_safe`` (reads nothing but the environment); otherwise the
        page is rendered in full.
        """
        reads_context = _PassArg.from_obj(function) is _PassArg.context and not context_safe

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            trace = self.trace
            if trace is None:
                return function(*args, **kwargs)
            if reads_context:
                free = getattr(function, "context_free", None)
                if free is not None:
                    # What it reads of the context may be partner values too (the 404's home URL).
                    plain, leading = free(args[0])
                    return trace.call(plain, (*leading, *args[1:]), kwargs)
                if any(_partner_valued(a) for a in (*args[1:], *kwargs.values())):
                    raise SkeletonMiss(f"{function.__name__} reads the template context")
            return trace.call(function, args, kwargs)

        call.skeleton_checked = True  # type: ignore[attr-defined]  # see _SkeletonContext
        return call

    def captured(self, value: Any) -> Any:
        return _captured(self.trace, value) if self.trace is not None else value

    def joined(self, values: tuple[Any, ...], autoescape: bool) -> Any:
        if self.trace is not None and any(_partner_valued(v) for v in values):
            return self.trace.call(_join_markup if autoescape else _join_text, values, {})
        return (_join_markup if autoescape else _join_text)(*values)

    def capturing(self, macro: Any) -> Any:
        return _CapturingMacro(self, macro)


def _join_markup(*values: Any) -> str:
    return markup_join(values)


def _join_text(*values: Any) -> str:
    return "".join(map(str, values))


def _partner_valued(value: Any) -> bool:
    return type(value) is Slot or (isinstance(value, str) and MARK in value)


class _CapturingMacro:
    """A macro whose result, when it holds markers, becomes a slot."""

    def __init__(self, env: SkeletonEnvironment, macro: Any) -> None:
        self._env = env
        self._macro = macro

    @pass_eval_context  # as Macro.__call__ is, which takes the evaluation context when it is given one
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._env.captured(self._macro(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._macro, name)


class _FragmentSlots(FragmentCache):
    """``{% cached %}`` in a skeleton run: the fragment is a slot, made once per partner when filled.

    It is kept in the fragment cache of the partner being rendered under a key of its own run
    and the page values it prints (see skeleton._Compiler), never under the keys the theme names:
    those could put one page's values on another.
    """

    def _fragment(self, key: tuple[Hashable, ...], free: tuple[str, ...], context: Any,
                  caller: Callable[[], Any]) -> Any:
        printed = caller()
        trace = self.environment.trace  # type: ignore[attr-defined]
        if type(printed) is not Slot or trace is None:
            return Markup(printed)
        text = trace.recipes[printed.index][1]
        # A new object for each run: fragments of skeletons that asked other questions are never shared.
        return Markup(trace.slot(("fragment", object(), text), trace.values[printed.index]))  # its marker
