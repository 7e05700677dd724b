"""A small real SMTP server on a free local port, recording what smtplib delivers to it.

A message counts as delivered once the server has answered its DATA with 250, as a real mail server's
acceptance does. stall_first_data=True withholds that 250 for the first message until release() is called;
a client that disconnects meanwhile (a worker killed mid-mail) leaves that message undelivered."""
import select
import socket
import socketserver
import threading
from email import message_from_bytes


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self):
        server = self.server
        with server.lock:
            server.connections += 1
        self.reply("220 localhost test SMTP ready")
        recipients = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().strip("<>")
                if address in server.refuse:
                    self.reply("550 No such mailbox")
                else:
                    recipients.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                if server.take_stall() and not self._wait_for_release():
                    return  # the client went away before the message was accepted
                with server.lock:
                    server.messages.append((recipients, message_from_bytes(b"".join(lines))))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")

    def _wait_for_release(self):
        """Hold the final 250 until release(); False when the client has disconnected by then."""
        self.server.stalled.set()
        while True:
            if self._client_gone():
                return False
            if self.server.released.wait(0.05):
                return not self._client_gone()

    def _client_gone(self):
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, refuse=(), stall_first_data=False):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages = []
        self.connections = 0
        self.refuse = set(refuse)
        self.lock = threading.Lock()
        self.stall_pending = stall_first_data
        self.stalled = threading.Event()  # set once a message is being held
        self.released = threading.Event()
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def take_stall(self):
        with self.lock:
            stall, self.stall_pending = self.stall_pending, False
        return stall

    def release(self):
        self.released.set()

    def recipients(self):
        """Every address delivered to, once per delivery."""
        with self.lock:
            return [address for recipients, _ in self.messages for address in recipients]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.shutdown()
        self.server_close()
