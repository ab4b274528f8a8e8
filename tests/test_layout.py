"""The house's rules, checked on the source (pure: reads files, imports nothing of the app):
one folder per domain with a pure core, tooling apart in devtools/, no import circles."""

import ast
import pathlib

APP = pathlib.Path(__file__).resolve().parent.parent / "crm_archive"
DOMAINS = ("access", "archive", "tiering", "lifecycle", "reminders", "duplicates", "analysis", "pool")
# the pure cores: unit-tested without a site, never importing frappe nor the Frappe side of any domain
PURE = {
	"crm_archive.archive.rules",
	"crm_archive.archive.reading",
	"crm_archive.analysis.clv",
	"crm_archive.analysis.backtest",
	"crm_archive.tiering.groups",
	"crm_archive.duplicates.matching",
	"crm_archive.lifecycle.states",
	"crm_archive.reminders.due",
	"crm_archive.tiering.rules",
	"crm_archive.tiering.metrics",
	"crm_archive.tiering.bounds",
	"crm_archive.analysis.value",
	"crm_archive.pool.rules",
}


def module_name(path: pathlib.Path) -> str:
	parts = path.relative_to(APP.parent).with_suffix("").parts
	return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, pathlib.Path]:
	return {module_name(p): p for p in APP.rglob("*.py")}


def imports(path: pathlib.Path) -> set[str]:
	"""Every module this file imports, at module level or inside functions."""
	out = set()
	for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
		if isinstance(node, ast.Import):
			out.update(a.name for a in node.names)
		elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
			out.add(node.module)
			out.update(f"{node.module}.{a.name}" for a in node.names)
	return out


def app_graph() -> dict[str, set[str]]:
	known = modules()
	return {name: {i for i in imports(path) if i in known and i != name} for name, path in known.items()}


def test_pure_cores_import_no_frappe_and_no_frappe_side():
	known = modules()
	for name in PURE:
		assert name in known, f"{name} is missing"
		found = imports(known[name])
		assert not {i for i in found if i.split(".")[0] == "frappe"}, f"{name} imports frappe"
		app = {i for i in found if i.startswith("crm_archive.") and i in known}
		assert app <= PURE, f"{name} imports the Frappe side: {sorted(app - PURE)}"


def test_no_domain_imports_devtools():
	for name, deps in app_graph().items():
		if name.startswith(("crm_archive.devtools", "crm_archive.tests", "crm_archive.commands")):
			continue
		if ".test_" in name or name.rsplit(".", 1)[-1].startswith("test_"):
			continue
		assert not {d for d in deps if d.startswith("crm_archive.devtools")}, f"{name} imports devtools"


def test_import_graph_has_no_cycles():
	graph = app_graph()
	state: dict[str, int] = {}
	cycles = []

	def visit(node, stack):
		state[node] = 1
		for dep in graph.get(node, ()):
			if state.get(dep) == 1:
				cycles.append([*stack[stack.index(dep) :], dep] if dep in stack else [node, dep])
			elif not state.get(dep):
				visit(dep, [*stack, dep])
		state[node] = 2

	for node in graph:
		if not state.get(node):
			visit(node, [node])
	# a package importing its own modules (crm_archive/__init__ installing the query guard) is no circle
	cycles = [c for c in cycles if not (len(c) == 3 and c[0] == c[-1] and c[1].startswith(c[0] + "."))]
	assert not cycles, f"import circles: {cycles[:5]}"


def test_one_folder_per_domain_and_no_second_convention():
	for domain in DOMAINS:
		assert (APP / domain / "__init__.py").exists(), domain
		assert not (APP / f"{domain}.py").exists(), f"crm_archive/{domain}.py beside crm_archive/{domain}/"
	assert not (APP / "logic").exists()
	for path in APP.rglob("*.py"):
		assert "crm_archive.logic" not in path.read_text(encoding="utf-8"), path
	assert not (APP.parent / "if").exists()


def test_who_may_read_lives_in_access():
	"""The access table, both permission hooks' condition, the query guard, the overridden whitelisted
	methods and the ToDo/Version handlers: one folder, nothing of it left where it was."""
	for name in ("table", "permissions", "query_guard", "whitelisted", "todo", "version"):
		assert (APP / "access" / f"{name}.py").exists(), name
	for old in ("permissions.py", "access.py", "overrides/query_guard.py", "overrides/client.py"):
		assert not (APP / old).exists(), old
	assert not (APP / "overrides" / "todo.py").exists() and not (APP / "overrides" / "version.py").exists()
	hooks = (APP / "hooks.py").read_text(encoding="utf-8")
	for line in hooks.splitlines():
		if "permission" in line and "crm_archive." in line and "#" not in line.split("crm_archive.")[0]:
			assert "crm_archive.access." in line, line


def unit_of(module: str) -> str:
	"""The room a module stands in: its folder under crm_archive/ (a domain, the doctypes and reports in
	crm_archive/crm_archive/, overrides/, devtools/) or its own file (nightly.py, adoption.py, …)."""
	return ".".join(module.split(".")[:2])


def test_no_arrow_runs_back_up_a_floor():
	"""Folders and top-level files import each other one way only, so they stand on floors: the pure
	cores and access at the ground, the domains' Frappe sides above them, the doctypes, reports,
	orchestration (adoption, nightly) and overrides above those. A folder that imports a folder that imports
	it back (duplicates -> a doctype controller -> duplicates; archive -> duplicates -> archive; access ->
	archive search -> access) is an arrow back up."""
	graph: dict[str, set[str]] = {}
	for name, deps in app_graph().items():
		if ".test_" in name or name.startswith("crm_archive.tests"):
			continue
		src = unit_of(name)
		graph.setdefault(src, set()).update(
			unit_of(d) for d in deps if unit_of(d) != src and not d.startswith("crm_archive.tests")
		)
	order, state = [], {}

	def visit(node, path):
		state[node] = 1
		for dep in sorted(graph.get(node, ())):
			assert state.get(dep) != 1, f"arrow back up: {' -> '.join([*path, dep])}"
			if not state.get(dep):
				visit(dep, [*path, dep])
		state[node] = 2
		order.append(node)

	for node in sorted(graph):
		if not state.get(node):
			visit(node, [node])
	floor = {}
	for node in order:  # dependencies first
		floor[node] = 1 + max((floor[d] for d in graph.get(node, ()) if d in floor), default=0)
	assert floor["crm_archive.access"] < floor["crm_archive.archive"] < floor["crm_archive.duplicates"]


def test_tests_live_in_two_places():
	"""Site tests in crm_archive/tests/ (named after what they test), pure tests in tests/: nowhere else."""
	elsewhere = [
		str(p.relative_to(APP.parent))
		for p in APP.rglob("test_*.py")
		if p.parent != APP / "tests" and "node_modules" not in p.parts
	]
	assert not elsewhere, f"test files outside crm_archive/tests/: {elsewhere}"


def test_one_name_for_a_domains_frappe_side():
	"""In every domain but access (which is all Frappe side), what imports frappe is named `store`: a
	`store.py` beside the pure core, or a `store/` package of them."""
	for name, path in modules().items():
		parts = name.split(".")
		if len(parts) < 3 or parts[1] not in DOMAINS or parts[1] == "access":
			continue
		if ".test_" in name or parts[-1].startswith("test_"):
			continue
		found = imports(path)
		if any(i.split(".")[0] == "frappe" for i in found):
			assert parts[2] == "store", f"{name} imports frappe outside its domain's store"
