#!/usr/bin/env python3
"""A real SMTP server for tiexin's tests (aiosmtpd), listening on 127.0.0.1.

Each message received is stored as DIR/<n>.eml with a JSON sidecar DIR/<n>.json:
mail_from, rcpt (envelope recipients), to, cc, message_id, subject, and for each
attachment its filename and SHA-256. Failures can be injected:

  --tempfail-first K   reply 451 to the first K attempts of each message (by Message-ID)
  --reject ADDR        reply 550 to RCPT TO:<ADDR> (repeatable)
  --drop-after-dot N   for the first N messages: store the message, then close the
                       connection without replying (the sender cannot know)
  --sleep S            store each message, then wait S seconds before replying 250
  --sleep-rcpt S       wait S seconds before answering each RCPT (before any data)
  --raw-only           store the .eml and a sidecar with the Message-ID only, without
                       parsing the message (for benchmarks)
"""

import argparse
import asyncio
import email
import email.policy
import hashlib
import json
import os
import re
import signal
import threading
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, args):
        self.dir = args.dir
        self.tempfail_first = args.tempfail_first
        self.reject = {a.lower() for a in args.reject}
        self.drop_left = args.drop_after_dot
        self.sleep = args.sleep
        self.sleep_rcpt = args.sleep_rcpt
        self.raw_only = args.raw_only
        self.attempts = {}
        self.seq = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.sleep_rcpt > 0:
            await asyncio.sleep(self.sleep_rcpt)
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if self.raw_only:
            head = raw.split(b"\r\n\r\n", 1)[0]
            found = re.search(rb"^Message-ID:\s*(\S+)", head, re.M | re.I)
            mid = found.group(1).decode() if found else ""
            self.store_raw(raw, {"message_id": mid, "rcpt": list(envelope.rcpt_tos)})
            return "250 2.0.0 OK"
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        mid = str(msg.get("Message-ID", ""))
        n = self.attempts.get(mid, 0) + 1
        self.attempts[mid] = n
        if n <= self.tempfail_first:
            return "451 4.3.0 temporary failure %d of %d, try again later" % (n, self.tempfail_first)
        self.store(envelope, raw, msg)
        if self.drop_left > 0:
            self.drop_left -= 1
            server.transport.abort()
            return "250 OK (never seen: the connection is gone)"
        if self.sleep > 0:
            await asyncio.sleep(self.sleep)
        return "250 2.0.0 OK queued as %s" % mid.strip("<>")

    def name(self):
        with self.lock:
            self.seq += 1
            return "%d-%d-%04d" % (time.time_ns(), os.getpid(), self.seq)

    def store_raw(self, raw, side):
        name = self.name()
        with open(os.path.join(self.dir, name + ".eml"), "wb") as f:
            f.write(raw)
        with open(os.path.join(self.dir, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(side, f)

    def store(self, envelope, raw, msg):
        name = self.name()
        attachments = []
        for part in msg.iter_attachments():
            data = part.get_payload(decode=True) or b""
            attachments.append({
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            })
        body = msg.get_body(preferencelist=("plain",))
        side = {
            "mail_from": envelope.mail_from,
            "rcpt": list(envelope.rcpt_tos),
            "to": [a.addr_spec for a in msg["to"].addresses] if msg["to"] else [],
            "cc": [a.addr_spec for a in msg["cc"].addresses] if msg["cc"] else [],
            "message_id": str(msg.get("Message-ID", "")),
            "subject": str(msg.get("Subject", "")),
            "body": body.get_content() if body is not None else None,
            "attachments": attachments,
        }
        tmp = os.path.join(self.dir, name + ".tmp")
        with open(os.path.join(self.dir, name + ".eml"), "wb") as f:
            f.write(raw)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(side, f, ensure_ascii=False)
        os.replace(tmp, os.path.join(self.dir, name + ".json"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--tempfail-first", type=int, default=0)
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--drop-after-dot", type=int, default=0)
    p.add_argument("--sleep", type=float, default=0.0)
    p.add_argument("--sleep-rcpt", type=float, default=0.0)
    p.add_argument("--raw-only", action="store_true")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Handler(args), hostname="127.0.0.1", port=args.port)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("listening on 127.0.0.1:%d" % args.port, flush=True)
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
