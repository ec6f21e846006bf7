"""`pdfgen fonts install`: the font families a language needs, from the npm registry.

The wheel ships the Latin faces only. A clinic that serves a language in another script
(or with letters the Latin face lacks) installs that script's family once:
`pdfgen fonts install vi zh-Hans ar`. Each family is an npm package pinned in
fonts/families.yaml by version and by the digest the registry publishes (`integrity`):
the tarball is checked against it before anything in it is read, and only the family's
regular and bold TTFs and its licence are unpacked, into the user's font folder
($PDFGEN_FONTS, else ~/.local/share/pdfgen/fonts), each family replaced in one step.
A tarball already fetched (`npm pack @expo-google-fonts/noto-sans-sc`) installs with
`--from FILE` on a machine with no network; its digest is checked the same way.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from .errors import PdfgenError, UsageError
from .render import fonts

REGISTRY_ENV = "PDFGEN_NPM_REGISTRY"  # a mirror of the npm registry, if the clinic has one
REGISTRY = "https://registry.npmjs.org"
LICENCE = "LICENSE_FONT"  # the OFL text in each @expo-google-fonts package
MAX_TARBALL = 200 * 1024 * 1024  # the largest (Noto Sans JP) is about 60 MB


class FontInstallError(PdfgenError):
    exit_code = 1


def families_for(langs: tuple[str, ...]) -> list[str]:
    """The installable families the languages need, in order, once each."""
    from .languages import registry

    known = registry()
    out: list[str] = []
    for lang in langs:
        if lang not in known:
            raise UsageError(f"pdfgen has no profile for '{lang}' (pdfgen/languages.yaml); "
                             f"known: {', '.join(sorted(known))}")
        for name in known[lang].fonts:
            if not fonts.is_bundled(name) and name not in out:
                out.append(name)
    return out


def tarball_url(name: str) -> str:
    entry = fonts.families_table()[name]
    package, version = entry["package"], entry["version"]
    base = os.environ.get(REGISTRY_ENV, REGISTRY).rstrip("/")
    return f"{base}/{package}/-/{package.rsplit('/', 1)[-1]}-{version}.tgz"


def verify(name: str, data: bytes) -> None:
    """Raise unless `data` is the tarball families.yaml pins for the family."""
    algo, _, digest = fonts.families_table()[name]["integrity"].partition("-")
    if algo not in ("sha512", "sha384", "sha256"):
        raise FontInstallError(f"fonts/families.yaml: '{name}' has an integrity of an "
                               f"unknown kind '{algo}'")
    got = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if got != digest:
        raise FontInstallError(f"the package for '{name}' is not the one pdfgen expects "
                               f"(its {algo} digest differs from fonts/families.yaml): "
                               f"nothing was installed")


def fetch(name: str) -> bytes:
    url = tarball_url(name)
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 (https, pinned)
            data = resp.read(MAX_TARBALL + 1)
    except OSError as e:
        raise FontInstallError(f"could not download '{name}' from {url}: {e}. On a machine "
                               f"with no network, `npm pack "
                               f"{fonts.families_table()[name]['package']}@"
                               f"{fonts.families_table()[name]['version']}` elsewhere and "
                               f"install the file with `pdfgen fonts install --from FILE`"
                               ) from None
    if len(data) > MAX_TARBALL:
        raise FontInstallError(f"the package for '{name}' at {url} is larger than expected")
    return data


def unpack(name: str, data: bytes) -> Path:
    """Put the family's regular and bold faces and licence in place, in one step."""
    entry = fonts.families_table()[name]
    wanted = {f"package/{entry[face]}": entry[face] for face in fonts.USED}
    wanted[f"package/{LICENCE}"] = LICENCE
    target = fonts.package_dir(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                rel = wanted.pop(member.name, None)
                if rel is None or not member.isfile():
                    continue
                dest = tmp / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                assert src is not None
                with open(dest, "wb") as fh:
                    shutil.copyfileobj(src, fh)
        if wanted:
            raise FontInstallError(f"the package for '{name}' lacks {', '.join(wanted)}")
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}-old-{os.getpid()}")
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def install(name: str, tarball: Path | None = None, force: bool = False) -> str:
    """Install one family; returns what was done, in words."""
    if name not in fonts.families_table():
        raise UsageError(f"no font family '{name}' in fonts/families.yaml")
    if fonts.is_bundled(name):
        return f"{name}: bundled with pdfgen"
    if fonts.installed(name) and not force:
        return f"{name}: already installed in {fonts.package_dir(name)}"
    data = tarball.read_bytes() if tarball is not None else fetch(name)
    verify(name, data)
    where = unpack(name, data)
    return f"{name}: installed in {where}"


def match_tarball(tarball: Path) -> str:
    """The family an `npm pack` tarball is, by its digest."""
    data = tarball.read_bytes()
    for name in fonts.families_table():
        if fonts.is_bundled(name):
            continue
        try:
            verify(name, data)
        except FontInstallError:
            continue
        return name
    raise FontInstallError(f"{tarball}: not the package of any family in fonts/families.yaml "
                           f"(its digest matches none)")
