"""Where the messages of the TCP transport wait to be received, and how receives match them.

Every message that arrives (from any peer's reader thread, mesh.py) goes to the first posted
receive that matches it, or else waits in arrival order until one is posted, as MPI matches:
a receive names its kind (a communicator's channel, point-to-point or collective: kind_of), its
source (None: any rank) and its tag (None: any), and among messages from one source the earlier is
received first. A receive posted with the memory its bytes go to (`into`) is claimed by the reader
as soon as a matching message's header arrives, and the payload is read straight into that memory
(no buffer allocated, no copy): claim, then complete. When a peer's connection closes, receives
that can only be satisfied by that peer fail with an error naming it.
"""
import threading
import time

__all__ = ["Mailbox", "Ticket", "kind_of"]


def kind_of(channel, collective):
    """A message's kind: its communicator's channel, and whether a collective or a point-to-point sent it."""
    return 2 * channel + (1 if collective else 0)


def _matches(kind, source, tag, message):
    message_kind, message_source, message_tag, _ = message
    return kind == message_kind and source in (None, message_source) and tag in (None, message_tag)


class Ticket:
    """A posted receive: done once a message is assigned (its source and payload), or it failed."""

    def __init__(self, kind, source, tag, into=None):
        self.kind, self.source, self.tag = kind, source, tag
        self.into = into  # a writable byte memoryview for the payload, or None
        self.message = None  # (kind, source, tag, payload) once matched; payload is `into` when read there
        self.error = None


class Mailbox:
    def __init__(self, rank, peers):
        self.rank = rank
        self._peers = set(peers)
        self._changed = threading.Condition()
        self._unexpected = []  # messages no posted receive wanted yet, in arrival order
        self._posted = []  # tickets not yet matched, in posting order
        self._closed = {}  # peer rank -> why its connection ended

    def _first_posted(self, message):
        """The first posted receive that matches message (kind, source, tag, ...), or None; under the lock."""
        return next((t for t in self._posted if _matches(t.kind, t.source, t.tag, message)), None)

    def _first_unexpected(self, kind, source, tag):
        """The first waiting message a receive of (kind, source, tag) takes, or None; under the lock."""
        return next((m for m in self._unexpected if _matches(kind, source, tag, m)), None)

    def deliver(self, kind, source, tag, payload):
        """A message arrived (reader thread): hand it to the first matching posted receive, or keep it."""
        message = (kind, source, tag, payload)
        with self._changed:
            ticket = self._first_posted(message)
            if ticket is None:
                self._unexpected.append(message)
            else:
                self._posted.remove(ticket)
                ticket.message = message
            self._changed.notify_all()

    def claim(self, kind, source, tag, size):
        """The first posted receive that matches a message whose header just arrived, when it gave
        memory of exactly `size` bytes (the reader then reads the payload there and calls complete);
        else None, and the payload comes through deliver."""
        with self._changed:
            ticket = self._first_posted((kind, source, tag, None))
            if ticket is None or ticket.into is None or ticket.into.nbytes != size:
                return None
            self._posted.remove(ticket)
            return ticket

    def complete(self, ticket, kind, source, tag, why=None):
        """A claimed receive's payload is in its memory (or, with `why`, its connection failed first)."""
        with self._changed:
            if why is None:
                ticket.message = (kind, source, tag, ticket.into)
            else:
                ticket.error = f"rank {source} {why} while sending what rank {self.rank} waits for"
            self._changed.notify_all()

    def close(self, peer, why):
        """peer's connection ended: fail the receives that only it could satisfy."""
        with self._changed:
            self._closed[peer] = why
            for ticket in list(self._posted):
                self._fail_if_hopeless(ticket)
            self._changed.notify_all()

    def _fail_if_hopeless(self, ticket):
        sources = self._peers if ticket.source is None else {ticket.source}
        if sources and sources <= set(self._closed):
            source = ticket.source if ticket.source is not None else min(sources)
            ticket.error = (f"rank {source} {self._closed[source]} before sending what rank {self.rank} waits for "
                            "(it exited or failed: see its own output)")
            if ticket in self._posted:
                self._posted.remove(ticket)

    def post(self, kind, source, tag, into=None):
        """A receive: matched at once by a waiting message, else when one arrives (into: where its
        bytes may go directly, see claim)."""
        ticket = Ticket(kind, source, tag, into)
        with self._changed:
            message = self._first_unexpected(kind, source, tag)
            if message is not None:
                self._unexpected.remove(message)
                ticket.message = message
                return ticket
            self._posted.append(ticket)
            self._fail_if_hopeless(ticket)
        return ticket

    def wait(self, ticket, timeout_s=None):
        """True once the ticket has its message; False after timeout_s; RuntimeError if it cannot come."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with self._changed:
            while ticket.message is None and ticket.error is None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._changed.wait(remaining)
        if ticket.error is not None:
            raise RuntimeError(ticket.error)
        return True

    def probe(self, kind, source, tag, timeout_s=None):
        """(source, payload bytes) of the first waiting message that matches, without receiving it; None
        after timeout_s (0: look once)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with self._changed:
            while True:
                message = self._first_unexpected(kind, source, tag)
                if message is not None:
                    return message[1], len(message[3])
                probe = Ticket(kind, source, tag)
                self._fail_if_hopeless(probe)
                if probe.error is not None:
                    raise RuntimeError(probe.error)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._changed.wait(remaining)
