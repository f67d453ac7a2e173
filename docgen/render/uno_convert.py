"""Warm LibreOffice converter, run by docgen under the system Python that has ``uno``.

Usage: /usr/bin/python3 uno_convert.py SOFFICE PROFILE_DIR [START_TIMEOUT]
Starts one headless LibreOffice (waiting at most START_TIMEOUT seconds, default 60,
for it to accept connections), then reads "SRC<TAB>DEST" lines on stdin and
answers "ok PAGES" or "error MESSAGE" per line. Ends LibreOffice when stdin closes.
docgen kills this helper's process group when an answer is an error or late, so
LibreOffice, started here, dies with it.
This file must not import docgen: it runs outside docgen's environment.
"""

import os
import subprocess
import sys
import time
import uuid

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def main():
    soffice, profile = sys.argv[1], sys.argv[2]
    start_timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    pipe = "docgen-" + uuid.uuid4().hex
    office = subprocess.Popen(
        [
            soffice,
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
            "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        ctx = None
        deadline = time.monotonic() + start_timeout
        while ctx is None:
            try:
                ctx = resolver.resolve(
                    "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe
                )
            except NoConnectException:
                if office.poll() is not None or time.monotonic() > deadline:
                    print(
                        "error no connection within %g s" % start_timeout
                        if office.poll() is None
                        else "error it ended at start (exit %s)" % office.returncode,
                        flush=True,
                    )
                    return 1
                time.sleep(0.05)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        print("ready", flush=True)
        for line in sys.stdin:
            src, _, dest = line.rstrip("\n").partition("\t")
            try:
                doc = desktop.loadComponentFromURL(
                    uno.systemPathToFileUrl(os.path.abspath(src)),
                    "_blank",
                    0,
                    (prop("Hidden", True), prop("ReadOnly", True)),
                )
                if doc is None:
                    raise RuntimeError("LibreOffice could not open " + src)
                try:
                    pages = doc.getCurrentController().getPropertyValue("PageCount")
                    doc.storeToURL(
                        uno.systemPathToFileUrl(os.path.abspath(dest)),
                        (prop("FilterName", "writer_pdf_Export"),),
                    )
                finally:
                    doc.close(True)
                print("ok %d" % pages, flush=True)
            except Exception as exc:  # docgen restarts LibreOffice after any error
                message = " ".join(str(exc).split()) or "no message"
                print("error %s: %s" % (type(exc).__name__, message), flush=True)
        try:
            desktop.terminate()
        except Exception:
            pass
    finally:
        try:
            office.wait(timeout=10)
        except subprocess.TimeoutExpired:
            office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
