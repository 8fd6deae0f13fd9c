"""Persistent low-zoom tiles (瓦片预生成, seeding): a disk tier under the in-memory TileCache.

Tiles below :data:`SEED_MAX_ZOOM` + 1 read the overviews of up to every county of the
province, so they are kept on disk as ``<workspace>/tiles/<ab>/<etag-hex>.mvt``. The key is
the tile's ETag (:func:`~onemap.api.ogc.tiles.tile_etag`: collection, tile address, the
caller's scope key, classification and the checksum of every partition and overview the
tile reads), so a tile is never stale and never crosses scopes: a rewritten partition or
another scope gives another key, and the old file is simply not read again.

Each file holds a 16-byte BLAKE2b digest of the tile before the tile itself; a file whose
digest does not match (torn, truncated, edited) is ignored, removed and the tile rendered
again. Files are written to a temporary name and moved in place (``os.replace``).

The tier is bounded by total bytes: when a write takes it over ``max_bytes`` the files
touched longest ago (modification time, refreshed on every read) are removed until it is
under 90 % of the cap. Keys no longer producible (old checksums) are never touched again,
so they are the first to go.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import morecantile
from pydantic import BaseModel, Field

from onemap.api.ogc.tiles import (
    TileAddress,
    TileCache,
    get_tms,
    layer_bounds,
    render_tile,
    tile_etag,
    tile_limits,
)
from onemap.store.reader import LayerEntry, ScopedReader, WorkspaceReader
from onemap.users.identity import Identity

log = logging.getLogger(__name__)

SEED_MIN_ZOOM = 6
SEED_MAX_ZOOM = 9
"""Deepest zoom kept on disk: tiles below :data:`~onemap.api.ogc.tiles.DETAIL_ZOOM`."""
TILES_DIR = "tiles"
SUFFIX = ".mvt"
_DIGEST = 16


def _digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=_DIGEST).digest()


class DiskTiles:
    """Encoded tiles on disk keyed by ETag, bounded by total bytes (oldest touched go first)."""

    def __init__(self, root: Path, max_bytes: int = 1024 * 2**20) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._total: int | None = None  # bytes on disk, counted on the first write

    def path(self, etag: str) -> Path:
        """File of one ETag (quotes stripped; two-character shard folders)."""
        key = etag.strip('"')
        if not key or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a tile ETag: {etag!r}")
        return self.root / key[:2] / f"{key}{SUFFIX}"

    def get(self, etag: str) -> bytes | None:
        """Return the stored tile, or None when absent or unreadable (a bad file is removed)."""
        path = self.path(etag)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        blob = raw[_DIGEST:]
        if len(raw) < _DIGEST or _digest(blob) != raw[:_DIGEST]:
            log.warning("ignoring corrupt tile file %s", path)
            self._drop(path)
            return None
        try:
            os.utime(path)  # recently used: pruned last
        except OSError:
            pass
        return blob

    def has(self, etag: str) -> bool:
        """Tell whether a tile file exists for ``etag`` (not checked for corruption)."""
        return self.path(etag).is_file()

    def put(self, etag: str, blob: bytes) -> None:
        """Store a tile atomically; failures to write are logged, never raised."""
        path = self.path(etag)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(_digest(blob) + blob)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("tile file %s not written: %s", path, exc)
            tmp.unlink(missing_ok=True)
            return
        with self._lock:
            if self._total is None:
                self._total = self.size()
            else:
                self._total += len(blob) + _DIGEST
            over = self._total > self.max_bytes
        if over:
            self.prune()

    def files(self) -> list[Path]:
        """Every tile file of the tier."""
        if not self.root.is_dir():
            return []
        return [p for p in self.root.glob(f"*/*{SUFFIX}") if p.is_file()]

    def size(self) -> int:
        """Total bytes of the tile files."""
        return sum(_stat_size(p) for p in self.files())

    def prune(self, target: int | None = None) -> int:
        """Remove the least recently touched files until under ``target`` bytes; return count.

        ``target`` defaults to 90 % of ``max_bytes``.
        """
        target = int(0.9 * self.max_bytes) if target is None else target
        stats = []
        for p in self.files():
            try:
                st = p.stat()
            except OSError:
                continue
            stats.append((st.st_mtime, st.st_size, p))
        total = sum(s for _, s, _ in stats)
        removed = 0
        for _, size, p in sorted(stats, key=lambda t: t[0]):
            if total <= target:
                break
            self._drop(p)
            total -= size
            removed += 1
        with self._lock:
            self._total = total
        return removed

    def _drop(self, path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("tile file %s not removed: %s", path, exc)


def _stat_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def workspace_tiles(root: Path, max_bytes: int = 1024 * 2**20) -> DiskTiles:
    """Return the disk tier of the workspace at ``root`` (``<root>/tiles``)."""
    return DiskTiles(Path(root) / TILES_DIR, max_bytes)


def seedable(addr: TileAddress) -> bool:
    """Tell whether a tile is kept on disk (zoom up to :data:`SEED_MAX_ZOOM`)."""
    return addr.z <= SEED_MAX_ZOOM


def fetch_tile(data: ScopedReader, entry: LayerEntry, addr: TileAddress, max_bytes: int,
               memory: TileCache | None, disk: DiskTiles | None, etag: str | None = None
               ) -> tuple[bytes, str]:
    """Return a tile and where it came from: ``memory``, ``disk`` or ``render``.

    Memory first, then the disk tier (low zooms), else :func:`render_tile`; a render is
    put in memory, and on disk when the zoom is seedable. The one path of the web router,
    the seed command and the benchmark.
    """
    etag = etag or tile_etag(data, entry, addr)
    if memory is not None and (blob := memory.get(etag)) is not None:
        return blob, "memory"
    on_disk = disk is not None and seedable(addr)
    if on_disk and disk is not None and (blob := disk.get(etag)) is not None:
        if memory is not None:
            memory.put(etag, blob)
        return blob, "disk"
    blob = render_tile(data, entry, addr, max_bytes)
    if memory is not None:
        memory.put(etag, blob)
    if on_disk and disk is not None:
        disk.put(etag, blob)
    return blob, "render"


class SeedResult(BaseModel):
    """What one seed run did, per scope and in total."""

    collection_id: str
    scopes: list[str] = Field(description="scope keys seeded")
    zooms: list[int]
    tiles: int = Field(description="tile addresses per scope times scopes")
    rendered: int
    skipped: int = Field(description="already on disk (same ETag)")
    bytes_written: int
    files: int = Field(description="tile files on disk after the run")
    disk_bytes: int


def seed_addresses(entry: LayerEntry, tms_id: str, min_zoom: int, max_zoom: int
                   ) -> list[TileAddress]:
    """Every tile of ``tileMatrixSetLimits`` over the layer's bounds, zooms min..max."""
    tms: morecantile.TileMatrixSet = get_tms(tms_id)
    out = []
    for lim in tile_limits(tms, layer_bounds(entry)):
        z = int(lim["tileMatrix"])
        if min_zoom <= z <= max_zoom:
            out += [TileAddress(tms_id, z, x, y)
                    for y in range(lim["minTileRow"], lim["maxTileRow"] + 1)
                    for x in range(lim["minTileCol"], lim["maxTileCol"] + 1)]
    return out


def seed_tiles(readers: list[tuple[ScopedReader, LayerEntry]], disk: DiskTiles,
               max_bytes: int, *, tms_id: str = "WebMercatorQuad",
               min_zoom: int = SEED_MIN_ZOOM, max_zoom: int = SEED_MAX_ZOOM,
               progress: Callable[[int, int, str], None] | None = None) -> SeedResult:
    """Render into ``disk`` every missing tile of each (scoped reader, its layer entry).

    Idempotent: a tile whose ETag already has a file is skipped, so a second run renders
    nothing unless data changed.
    """
    if not 0 <= min_zoom <= max_zoom <= SEED_MAX_ZOOM:
        from onemap.errors import InvalidInput

        raise InvalidInput(f"seed zooms must lie in 0..{SEED_MAX_ZOOM}: {min_zoom}..{max_zoom}",
                           user_message=f"预生成级别须在 0..{SEED_MAX_ZOOM} 之间")
    jobs = [(data, entry, addr) for data, entry in readers
            for addr in seed_addresses(entry, tms_id, min_zoom, max_zoom)]
    rendered = skipped = written = 0
    for i, (data, entry, addr) in enumerate(jobs):
        etag = tile_etag(data, entry, addr)
        if disk.has(etag):
            skipped += 1
        else:
            blob = render_tile(data, entry, addr, max_bytes)
            disk.put(etag, blob)
            rendered += 1
            written += len(blob)
        if progress is not None:
            progress(i + 1, len(jobs), f"z{addr.z} {data.scope_key}")
    files = disk.files()
    return SeedResult(collection_id=readers[0][1].collection_id if readers else "",
                      scopes=[d.scope_key for d, _ in readers],
                      zooms=list(range(min_zoom, max_zoom + 1)), tiles=len(jobs),
                      rendered=rendered, skipped=skipped, bytes_written=written,
                      files=len(files), disk_bytes=sum(_stat_size(p) for p in files))


def seed_scopes(reader: WorkspaceReader, kind: str, vintage: int | None = None
                ) -> list[tuple[ScopedReader, LayerEntry]]:
    """Return the scopes seeded: the province administrator's, and the public's if visible.

    Both see the same layer vintage (the administrator's latest when ``vintage`` is None);
    their scope keys are those of any web request by such a user (an administrator of the
    root region; an anonymous caller), so the web tier finds the files.
    """
    ws = reader.ws
    admin = reader.scoped(Identity(ws).local_operator())  # admin of the root region
    entry = admin.layer(kind, vintage)
    out = [(admin, entry)]
    public = reader.scoped(Identity(ws).anonymous())
    raw = reader.entries().get((entry.info.kind, entry.info.vintage))
    seen = public.visible(raw) if raw is not None else None
    if seen is not None and seen.partitions:
        out.append((public, seen))
    return out
