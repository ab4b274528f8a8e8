"""Bounds on a tier condition (pure: no frappe). A condition is a small arithmetic/boolean expression over
the metrics; anything that could run long or grow memory is refused before it is ever evaluated:
unbounded powers (`9**9**9`, `2**invoice_count`), repetition (`'x' * 10**9`, `customer * n`), calls
other than abs/min/max/round, attribute access, subscripts, comprehensions, lambdas, long literals."""

import ast

MAX_LENGTH = 500
MAX_NODES = 120
MAX_POWERS = 2
MAX_EXPONENT = 4
MAX_CONSTANT = 10**15
MAX_STRING = 140
MAX_SEQUENCE = 50
CALLS = {"abs", "min", "max", "round"}
# names holding text or dates: compared, never used in arithmetic
NON_NUMERIC = {"customer", "first_purchase_date", "last_purchase_date"}

_NODES = (
	ast.Expression,
	ast.BoolOp,
	ast.And,
	ast.Or,
	ast.BinOp,
	ast.Add,
	ast.Sub,
	ast.Mult,
	ast.Div,
	ast.FloorDiv,
	ast.Mod,
	ast.Pow,
	ast.UnaryOp,
	ast.Not,
	ast.USub,
	ast.UAdd,
	ast.Compare,
	ast.Eq,
	ast.NotEq,
	ast.Lt,
	ast.LtE,
	ast.Gt,
	ast.GtE,
	ast.In,
	ast.NotIn,
	ast.Is,
	ast.IsNot,
	ast.Name,
	ast.Load,
	ast.Constant,
	ast.IfExp,
	ast.Tuple,
	ast.List,
	ast.Call,
)


class ConditionTooComplex(ValueError):
	"""The message is English; the Frappe side translates it."""


def _numeric_literal(node) -> bool:
	if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
		node = node.operand
	return (
		isinstance(node, ast.Constant)
		and isinstance(node.value, int | float)
		and not isinstance(node.value, bool)
	)


def _literal_value(node):
	if isinstance(node, ast.UnaryOp):
		return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
	return node.value


def check(expression: str, names: set[str]) -> None:
	"""Raise ConditionTooComplex when `expression` is outside the bounds; `names` are the metric names."""
	text = expression or ""
	if len(text) > MAX_LENGTH:
		raise ConditionTooComplex(f"longer than {MAX_LENGTH} characters")
	try:
		tree = ast.parse(text.strip(), mode="eval")
	except SyntaxError as e:
		raise ConditionTooComplex(f"SyntaxError: {e.msg}") from None
	nodes = list(ast.walk(tree))
	if len(nodes) > MAX_NODES:
		raise ConditionTooComplex(f"more than {MAX_NODES} parts")
	powers = 0
	for node in nodes:
		if not isinstance(node, _NODES):
			raise ConditionTooComplex(f"{type(node).__name__} is not allowed")
		if isinstance(node, ast.Name) and node.id not in names and node.id not in CALLS:
			if node.id not in {"True", "False", "None"}:
				raise ConditionTooComplex(f"NameError: unknown name {node.id}")
		if isinstance(node, ast.Constant):
			value = node.value
			if isinstance(value, str) and len(value) > MAX_STRING:
				raise ConditionTooComplex(f"text longer than {MAX_STRING} characters")
			if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > MAX_CONSTANT:
				raise ConditionTooComplex("number too large")
			if not isinstance(value, str | int | float | bool | type(None)):
				raise ConditionTooComplex("only numbers and short texts are allowed")
		if isinstance(node, ast.Call):
			if not isinstance(node.func, ast.Name) or node.func.id not in CALLS:
				raise ConditionTooComplex("only abs, min, max and round may be called")
			if node.keywords or len(node.args) > 4:
				raise ConditionTooComplex("a call takes at most four plain arguments")
		if isinstance(node, ast.Tuple | ast.List) and len(node.elts) > MAX_SEQUENCE:
			raise ConditionTooComplex(f"a list of more than {MAX_SEQUENCE} values")
		if isinstance(node, ast.BinOp):
			for side in (node.left, node.right):
				if isinstance(side, ast.Name) and side.id in NON_NUMERIC:
					raise ConditionTooComplex(f"{side.id} cannot be used in arithmetic")
				if isinstance(side, ast.Constant) and isinstance(side.value, str):
					raise ConditionTooComplex("text cannot be used in arithmetic")
				if isinstance(side, ast.Tuple | ast.List):
					raise ConditionTooComplex("lists cannot be used in arithmetic")
			if isinstance(node.op, ast.Pow):
				powers += 1
				if powers > MAX_POWERS:
					raise ConditionTooComplex(f"more than {MAX_POWERS} powers")
				if not _numeric_literal(node.right) or abs(_literal_value(node.right)) > MAX_EXPONENT:
					raise ConditionTooComplex(
						f"a power's exponent must be a number between -{MAX_EXPONENT} and {MAX_EXPONENT}"
					)
