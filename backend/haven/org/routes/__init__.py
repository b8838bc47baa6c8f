"""Organisation endpoints beyond :mod:`haven.org.router`: SCIM 2.0 provisioning
(:mod:`haven.org.routes.scim`, ``/api/v1/scim/v2``) and the bulk import of people
(:mod:`haven.org.routes.people_import`, ``/api/v1/people-imports``)."""
