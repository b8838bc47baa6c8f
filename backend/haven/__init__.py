"""Haven: reporting, learning and peer support after medical error.

The package is split by domain (see DESIGN.md in the project's shared documents and
the README): ``core`` knows no domain; ``auth`` owns identities and credentials;
``org`` owns departments, the organisation and the admin API; later domains build
on those through each other's ``service`` modules only.
"""
