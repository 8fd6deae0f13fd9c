"""Import a user's file into a workspace layer, as a pipeline of named steps.

An :class:`~onemap.store.formats.models.ImportRequest` (built alike by ``onemap import``
and ``POST /imports``) goes through :func:`import_file`:

1. **read** (:mod:`.read`): the file in chunks of EPSG:4490 features (encoding
   detection, CRS rules, reprojection from Gauss–Krüger zones), fingerprinted; errors
   name the file as the request does (an upload's own name, never a temporary path);
2. **normalise** (:mod:`.normalise`): source fields mapped onto the kind's schema
   (the user's aliases, onemap.toml ``[aliases.<kind>]``, standard names, schema aliases,
   Chinese titles) and coerced to its types;
3. **validate** (:mod:`.validate`): empty, wrong-type and invalid geometry (repaired
   with ``make_valid`` and reported), required fields, unknown 地类编码, each feature's
   county claim against the ``admin_county`` boundaries, then the actor's region scope;
4. **stage** and 5. **commit** (:mod:`.stage`): validated features held in memory or
   per county on disk, then one atomic :meth:`~onemap.store.workspace.Workspace.write_layer`.

Any rejected feature rejects the whole import (nothing changes) unless
``skip_invalid``; either way every rejected feature is listed with its reasons.
Importing the same file with the same options again is a no-op reported as
``unchanged`` (the fingerprint is kept as the layer's ``source_checksum``).
"""

from onemap.store.importer.pipeline import import_file

__all__ = ["import_file"]
