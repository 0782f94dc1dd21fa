#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A fake vvmpd control socket: answers each request line with the file
DIR/<request>.json (verbatim; the request's spaces become _), logs the requests to DIR/requests, and
answers anything else with vvmpd's error object. Usage: fake_vvmpd.py SOCKET DIR"""
import os
import socket
import sys

path, replies = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
open(os.path.join(replies, "ready"), "w").close()
while True:
    conn, _ = srv.accept()
    req = conn.recv(65).decode(errors="replace").split("\n")[0]
    with open(os.path.join(replies, "requests"), "a") as log:
        log.write(req + "\n")
    word = req.replace(" ", "_")
    name = os.path.join(replies, word + ".json")
    if word.replace("_", "").isalnum() and os.path.exists(name):
        with open(name, "rb") as f:
            conn.sendall(f.read())
    else:
        conn.sendall(b'{"error":"unknown request (pool, units, sessions, vds)"}\n')
    conn.close()
