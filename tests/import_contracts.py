"""An import-linter contract of this project: each domain is entered by its public faces.

``lint-imports`` (``make lint``) loads it from ``[tool.importlinter] contract_types`` in
pyproject.toml (import-linter puts the working directory on the path, so this module is found
as ``tests.import_contracts``).

**Public faces.** A domain is a subpackage of the root package (``haven.support``,
``haven.reports``...). Code of one domain may import another domain only through the faces
listed in ``faces`` (``service`` and ``schemas``: the rules and the wire types), never its
other modules (``matching``, ``models``, ``policy``...), so a domain can rearrange its rooms
without touching anyone else. ``router_faces`` are extra faces that a router (a module or a
package named in ``routers``) may use: a route says who may call it with ``haven.auth.deps``,
the one HTTP face of the auth domain (service modules may not import it: services hold no
FastAPI). Packages listed in ``shared`` (``haven.core``) are infrastructure that every domain
uses, not a domain; the assembly modules at the top (``haven.api``, ``haven.main``,
``haven.models``, ``haven.cli``, ``haven.jobs``, ``haven.demo``) put the domains together and
are not bound by this contract (the layers contract orders them).
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class PublicFacesContract(Contract):
    """Imports between domains go through each domain's public faces only."""

    type_name = "public_faces"

    root = fields.StringField()
    faces = fields.ListField(subfield=fields.StringField())
    router_faces = fields.ListField(subfield=fields.StringField(), required=False)
    routers = fields.ListField(subfield=fields.StringField(), required=False)
    shared = fields.ListField(subfield=fields.StringField(), required=False)

    def _domain(self, graph: ImportGraph, module: str) -> str | None:
        parts = module.split(".")
        if len(parts) < 2 or parts[0] != self.root:
            return None
        package = ".".join(parts[:2])
        if package in (self.shared or []) or not graph.find_children(package):
            return None  # infrastructure, or an assembly module at the top
        return parts[1]

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        faces = set(self.faces)  # type: ignore[call-overload]
        router_faces = set(self.router_faces or [])  # type: ignore[call-overload]
        routers = set(self.routers or ["router"])  # type: ignore[call-overload]
        broken = []
        for module in sorted(graph.modules):
            importer_domain = self._domain(graph, module)
            if importer_domain is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                imported_domain = self._domain(graph, imported)
                if imported_domain is None or imported_domain == importer_domain:
                    continue
                parts = imported.split(".")
                if len(parts) == 2:
                    continue  # the package itself (``from haven.auth import service``)
                face = parts[2]
                # a router module, or any module of a package of routers (``support.routes``)
                is_router = any(part in routers for part in module.split(".")[2:])
                allowed = face in faces or (face in router_faces and is_router)
                if not allowed:
                    lines = graph.get_import_details(importer=module, imported=imported)
                    broken.append(
                        {
                            "importer": module,
                            "imported": imported,
                            "lines": [d["line_number"] for d in lines],
                        }
                    )
                    output.verbose_print(verbose, f"{module} -> {imported}")
        return ContractCheck(kept=not broken, warnings=[], metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        faces = ", ".join(sorted(self.faces))  # type: ignore[call-overload]
        output.print_error(f"Other domains may import only a domain's {faces}:")
        output.new_line()
        for item in check.metadata["broken"]:
            lines = ", ".join(f"l.{n}" for n in item["lines"])
            output.print_error(f"- {item['importer']} -> {item['imported']} ({lines})", bold=False)
        output.new_line()
