"""The transactional mail queue shared by several mailers: each message is
claimed by one mailer only (SELECT … FOR UPDATE SKIP LOCKED and a lease),
so with three mailers draining one queue every message arrives once."""

import os
import signal
import subprocess
import time
import unittest

import prospea_test as t


class SharedQueue(unittest.TestCase):
    def test_three_mailers_send_each_message_once(self):
        addrs = [t.unique_email("queue") for _ in range(24)]
        # Hold the stack's own mailer while the queue fills, then let it and
        # two one-shot mailers race for the same messages.
        with open(os.path.join(t.VAR, "run", "mailer.pid")) as fh:
            watcher = fh.read().strip()
        own = [int(p) for p in subprocess.run(["pgrep", "-P", watcher], capture_output=True,
                                              text=True).stdout.split()]
        self.assertEqual(len(own), 1)
        os.kill(own[0], signal.SIGSTOP)
        try:
            self.queue_and_race(addrs, own[0])
        finally:
            os.kill(own[0], signal.SIGCONT)

    def queue_and_race(self, addrs, own):
        for a in addrs:
            self.assertEqual(t.request("POST", "/api/v1/auth/password/forgot",
                                       {"email": a}).status, 202)
        for a in addrs:
            self.assertEqual(t.signup(a).status, 202)
        extra = [subprocess.Popen([os.path.join(t.ROOT, "workers", "prospea-mailer"),
                                   "-c", t.CONF, "--once"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for _ in range(2)]
        os.kill(own, signal.SIGCONT)
        sent_by_extra = 0
        for p in extra:
            _, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err)
            sent_by_extra += err.count(b'" sent"') + err.count(b' sent"}')
        self.assertGreater(sent_by_extra, 0, "the one-shot mailers found nothing to do")
        self.assertLess(sent_by_extra, 2 * len(addrs), "the stack's mailer sent nothing")
        for a in addrs:
            t.wait_mail(a)
        time.sleep(1)       # a duplicate would arrive by now
        for a in addrs:
            self.assertEqual(len(t.mails_to(a)), 1, a)
        rows = t.sql("SELECT status, attempts, body_ct IS NULL FROM transactional_email "
                     "WHERE to_addr IN (%s)" % ",".join(["%s"] * len(addrs)), addrs)
        self.assertEqual(len(rows), len(addrs))
        self.assertEqual(set(rows), {("sent", 1, 1)})


if __name__ == "__main__":
    t.main()
