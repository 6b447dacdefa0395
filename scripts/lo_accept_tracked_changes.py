#!/usr/bin/python3
# Run with the system Python (python3-uno): /usr/bin/python3 scripts/lo_accept_tracked_changes.py FILE.docx
"""Open a .docx in LibreOffice (headless, UNO), list its tracked changes, accept them one
by one with the dispatcher, and print the text before and after."""
import subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue

path = sys.argv[1]
proc = subprocess.Popen(["soffice", "--headless", "--norestore",
                         "--accept=socket,host=127.0.0.1,port=2099;urp;"])
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(60):
        try:
            ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=2099;urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(1)
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    hidden = PropertyValue(); hidden.Name = "Hidden"; hidden.Value = True
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (hidden,))
    redlines = doc.getRedlines()
    items = []
    enum = redlines.createEnumeration()
    while enum.hasMoreElements():
        r = enum.nextElement()
        items.append((r.getPropertyValue("RedlineType"), r.getPropertyValue("RedlineAuthor")))
    print("tracked changes listed by LibreOffice:", len(items))
    print("first five:", items[:5])
    dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    frame = doc.getCurrentController().getFrame()
    accepted = 0
    for _ in range(len(items) + 5):
        dispatcher.executeDispatch(frame, ".uno:NextTrackedChange", "", 0, ())
        before = doc.getRedlines().createEnumeration()
        count_before = 0
        while before.hasMoreElements():
            before.nextElement(); count_before += 1
        if count_before == 0:
            break
        dispatcher.executeDispatch(frame, ".uno:AcceptTrackedChange", "", 0, ())
        after = doc.getRedlines().createEnumeration()
        count_after = 0
        while after.hasMoreElements():
            after.nextElement(); count_after += 1
        if count_after < count_before:
            accepted += 1
    remaining = doc.getRedlines().createEnumeration()
    left = 0
    while remaining.hasMoreElements():
        remaining.nextElement(); left += 1
    print("accepted one by one:", accepted, "left:", left)
    text = doc.getText().getString()
    print("--- text after accepting ---")
    print(text[:1500])
    doc.close(True)
finally:
    proc.terminate()
    proc.wait(timeout=30)
