#!/usr/bin/python3
"""Rebuilds datasets/long/ (long public-domain English documents) from Debian packages, byte for byte.

Sources (each pinned to the Debian version it was made from; licences in datasets/long/README.md):
  sword-comm-tdavid 2.1-1     C. H. Spurgeon, The Treasury of David (1869-1885), SWORD commentary module
  dict-jargon 4.4.7-3.1       The Jargon File 4.4.7 (2003), dictd database
  r-cran-janeaustenr 1.0.0-1  Jane Austen's six novels (Project Gutenberg texts), R data package
The .deb files are fetched with `apt-get download` and unpacked with `dpkg -x` into tools/.cache/deb (nothing is
installed system-wide except the SWORD command-line reader `diatheke`, which renders the SWORD module).

Usage (from the repository root; needs apt-get, dpkg and diatheke):
  apt-get update && apt-get install -y diatheke
  /usr/bin/python3 tools/make_long_corpus.py
"""
import gzip
import hashlib
import html
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "tools", ".cache", "deb")
UNPACKED = os.path.join(CACHE, "root")
OUT = os.path.join(ROOT, "datasets", "long")

PACKAGES = {
    "sword-comm-tdavid": "2.1-1",
    "dict-jargon": "4.4.7-3.1",
    "r-cran-janeaustenr": "1.0.0-1",
}

# The Treasury of David was published in seven volumes; these are their psalm ranges.
TDAVID_VOLUMES = [(1, 26), (27, 52), (53, 78), (79, 103), (104, 118), (119, 124), (125, 150)]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII"]


def fail(msg):
    sys.exit("make_long_corpus.py: " + msg)


def fetch_packages():
    """apt-get download each pinned .deb (once) and dpkg -x it into UNPACKED."""
    os.makedirs(CACHE, exist_ok=True)
    for name, version in PACKAGES.items():
        deb = os.path.join(CACHE, "%s_%s_all.deb" % (name, version.replace(":", "%3a")))
        if not os.path.exists(deb):
            r = subprocess.run(["apt-get", "download", "-q", "%s=%s" % (name, version)], cwd=CACHE,
                               capture_output=True, text=True)
            if r.returncode != 0 or not os.path.exists(deb):
                fail("apt-get download %s=%s failed (run apt-get update first; is that version still served?): %s"
                     % (name, version, r.stderr.strip()))
        subprocess.run(["dpkg", "-x", deb, UNPACKED], check=True)


# ---------------------------------------------------------------- SWORD (OSIS markup rendered by diatheke)

PARA, LINE = "\x00P", "\x00L"


def osis_to_paragraphs(s):
    """OSIS fragment -> list of paragraphs (lines joined by \\n). Titles and divisions start paragraphs, poetry lines
    and list items start lines, every other tag keeps only its text; whitespace inside a line collapses to one space."""
    s = re.sub(r"<title[^>]*>(.*?)</title>", lambda m: PARA + m.group(1) + PARA, s, flags=re.S)
    s = re.sub(r'<div [^>]*type="x-milestone"[^>]*/>', "", s)
    s = re.sub(r"<(?:div|lg|chapter|list|table|row)\b[^>]*/?>|</(?:div|list|lg|table|row)>", PARA, s)
    s = re.sub(r"<l\b[^>]*eID[^>]*/>|<lb\b[^>]*/>|<item\b[^>]*>|<cell\b[^>]*>", LINE, s)
    s = re.sub(r"<[^>]*>", "", s)
    s = html.unescape(s)
    paragraphs = []
    for p in s.split(PARA):
        lines = [" ".join(line.split()) for line in p.split(LINE)]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append("\n".join(lines))
    return paragraphs


def diatheke(module, key):
    """Raw OSIS of a key range, one 'Book C:V: text' line per entry (diatheke's internal format)."""
    if shutil.which("diatheke") is None:
        fail("diatheke not found: apt-get install diatheke")
    env = dict(os.environ, SWORD_PATH=os.path.join(UNPACKED, "usr", "share", "sword"))
    r = subprocess.run(["diatheke", "-b", module, "-f", "internal", "-k", key], env=env,
                       capture_output=True, text=True, encoding="utf-8")
    if r.returncode != 0 or r.stderr.strip():
        fail("diatheke -b %s -k '%s' failed: %s" % (module, key, r.stderr.strip()[:300]))
    return r.stdout


ENTRY = re.compile(r"^((?:[1-3] )?[A-Z][A-Za-z ]*?) (\d+):(\d+): ")


def sword_entries(module, key):
    """(book, chapter, verse, osis) for each non-empty entry, in canonical order."""
    for line in diatheke(module, key).split("\n"):
        m = ENTRY.match(line)
        if m and line[m.end():].strip():
            yield m.group(1), int(m.group(2)), int(m.group(3)), line[m.end():]


def tdavid_volume(number):
    first, last = TDAVID_VOLUMES[number - 1]
    paragraphs = ["THE TREASURY OF DAVID", "by C. H. Spurgeon",
                  "Volume %s: Psalms %d to %d" % (ROMAN[number - 1], first, last)]
    for _, chapter, _, osis in sword_entries("TDavid", "Ps %d:1-%d:200" % (first, last)):
        if first <= chapter <= last:
            paragraphs += osis_to_paragraphs(osis)
    return "\n\n".join(paragraphs) + "\n"


# ---------------------------------------------------------------- dictd (The Jargon File)

def jargon_file():
    """The dictd database is the lexicon's plain text; drop dictfmt's '00-database-*' header entries."""
    path = os.path.join(UNPACKED, "usr", "share", "dictd", "jargon.dict.dz")
    with gzip.open(path, "rb") as f:
        text = f.read().decode("utf-8")
    start = text.find("\n(TM)\n")
    if start < 0:
        fail("%s: first entry '(TM)' not found" % path)
    body = "\n".join(line.rstrip() for line in text[start + 1:].split("\n")).strip("\n")
    return "The Jargon File, version 4.4.7, 29 Dec 2003\n\n" + body + "\n"


# ---------------------------------------------------------------- R data (Jane Austen's novels)

class RUnserializer:
    """Just enough of R's XDR serialization (format 2/3) for the janeaustenr data: character vectors, lists,
    pairlists of attributes, symbols and symbol references."""

    def __init__(self, data):
        if data[:2] != b"X\n":
            fail("R data: not XDR serialization")
        self.b, self.i, self.refs = data, 2, []
        version = self.int()
        self.int()  # writer R version
        self.int()  # minimal reader R version
        if version == 3:
            length = self.int()
            self.i += length  # native encoding name

    def int(self):
        v = struct.unpack_from(">i", self.b, self.i)[0]
        self.i += 4
        return v

    def read(self):
        flags = self.int()
        kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind == 254:  # NILVALUE
            return None
        if kind == 255:  # REFSXP: an earlier symbol
            k = flags >> 8 or self.int()
            return self.refs[k - 1]
        if kind == 1:  # SYMSXP
            sym = ("sym", self.read())
            self.refs.append(sym)
            return sym
        if kind == 9:  # CHARSXP; levels bit 2 = latin1
            n = self.int()
            if n == -1:
                return None
            raw = self.b[self.i:self.i + n]
            self.i += n
            return raw.decode("latin-1" if (flags >> 12) & 4 else "utf-8")
        if kind == 2:  # LISTSXP
            attr = self.read() if has_attr else None
            tag = self.read() if has_tag else None
            car, cdr = self.read(), self.read()
            del attr
            return [(tag, car)] + (cdr or [])
        if kind in (16, 19):  # STRSXP, VECSXP
            value = [self.read() for _ in range(self.int())]
        elif kind in (10, 13):  # LGLSXP, INTSXP
            n = self.int()
            value = list(struct.unpack_from(">%di" % n, self.b, self.i))
            self.i += 4 * n
        else:
            fail("R data: unsupported SEXP type %d" % kind)
        if has_attr:
            return value, dict((tag[1], v) for tag, v in self.read())
        return value


def austen_novels():
    """name -> text. The package stores each novel as a character vector of Project Gutenberg lines."""
    data = os.path.join(UNPACKED, "usr", "lib", "R", "site-library", "janeaustenr", "data")
    with open(os.path.join(data, "Rdata.rdx"), "rb") as f:
        index, _ = RUnserializer(gzip.decompress(f.read())).read()
    offsets, attributes = index[0]  # index = list(variables = <named list of (offset, length)>, references, compressed)
    with open(os.path.join(data, "Rdata.rdb"), "rb") as f:
        rdb = f.read()
    novels = {}
    for (offset, length), name in zip(offsets, attributes["names"]):
        chunk = rdb[offset:offset + length]
        raw = zlib.decompress(chunk[4:])
        if len(raw) != struct.unpack(">i", chunk[:4])[0]:
            fail("Rdata.rdb: %s has the wrong length" % name)
        lines = RUnserializer(raw).read()
        lines = lines[0] if isinstance(lines, tuple) else lines
        novels[name] = "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"
    return novels


# ---------------------------------------------------------------- the corpus

def build():
    austen = austen_novels()
    tdavid = "sword-comm-tdavid 2.1-1 (SWORD module TDavid)"
    jane = "r-cran-janeaustenr 1.0.0-1 (object `%s`)"
    return {
        "search": [
            ("tdavid-vol1.txt", tdavid_volume(1), "C. H. Spurgeon, The Treasury of David, vol. I (Psalms 1-26), 1869",
             tdavid, "public domain"),
            ("jargon-file.txt", jargon_file(), "The Jargon File 4.4.7, ed. E. S. Raymond, 2003",
             "dict-jargon 4.4.7-3.1 (jargon.dict.dz)", "public domain (dedicated by its editors)"),
            ("austen-emma.txt", austen["emma"], "Jane Austen, Emma, 1815", jane % "emma", "public domain"),
            ("austen-mansfield-park.txt", austen["mansfieldpark"], "Jane Austen, Mansfield Park, 1814",
             jane % "mansfieldpark", "public domain"),
            ("austen-pride-and-prejudice.txt", austen["prideprejudice"], "Jane Austen, Pride and Prejudice, 1813",
             jane % "prideprejudice", "public domain"),
        ],
        "validation": [
            ("tdavid-vol2.txt", tdavid_volume(2), "C. H. Spurgeon, The Treasury of David, vol. II (Psalms 27-52), 1870",
             tdavid, "public domain"),
            ("tdavid-vol3.txt", tdavid_volume(3), "C. H. Spurgeon, The Treasury of David, vol. III (Psalms 53-78), 1872",
             tdavid, "public domain"),
            ("austen-sense-and-sensibility.txt", austen["sensesensibility"], "Jane Austen, Sense and Sensibility, 1811",
             jane % "sensesensibility", "public domain"),
            ("austen-persuasion.txt", austen["persuasion"], "Jane Austen, Persuasion, 1818", jane % "persuasion",
             "public domain"),
            ("austen-northanger-abbey.txt", austen["northangerabbey"], "Jane Austen, Northanger Abbey, 1818",
             jane % "northangerabbey", "public domain"),
        ],
    }


def main():
    fetch_packages()
    corpus = build()
    rows = []
    for split, docs in corpus.items():
        folder = os.path.join(OUT, split)
        os.makedirs(folder, exist_ok=True)
        for stale in os.listdir(folder):
            os.remove(os.path.join(folder, stale))
        for name, text, work, source, licence in docs:
            data = text.encode("utf-8")
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
            rows.append((split, name, len(data), hashlib.sha256(data).hexdigest(), work, source, licence))
            print("%-10s %-34s %9d bytes" % (split, name, len(data)))
    with open(os.path.join(OUT, "MANIFEST.tsv"), "w", encoding="utf-8") as f:
        f.write("split\tfile\tbytes\tsha256\twork\tdebian_source\tlicence\n")
        for row in rows:
            f.write("\t".join(str(x) for x in row) + "\n")


if __name__ == "__main__":
    main()
