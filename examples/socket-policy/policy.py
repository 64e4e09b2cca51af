#!/usr/bin/env python3
"""A robot policy in Python, driving a brainstem robot through the brain's socket controller.

Start the brain with  npm run brain -- --controller examples/socket-policy/controller.ts
then run            python3 examples/socket-policy/policy.py [port]   (default 7070)

Protocol: newline-delimited JSON over TCP (see controller.ts). For every "frame" we answer
{"agent", "seq", "motors"}: here a reflex, wheels from the front distance and the bumpers.
Replace decide() with your policy (a neural network, an RL agent...).
"""
import json
import socket
import sys
import time


def decide(sensors):
    """Wheel speeds [left, right] in -1..1 from the sensors of one frame."""
    bumpers = sensors.get("bumpers", [0, 0])
    if any(bumpers):
        return [-0.5, -0.3]  # back away, turning
    distance = sensors.get("distance", [1.0])[0]
    if distance < 0.3:
        return [0.5, -0.5]  # too close: turn on the spot
    speed = min(1.0, (distance - 0.3) / 0.7)
    return [speed, speed]


def connect(port, wait_s=30.0):
    """Connects to the brain's socket controller, waiting for the brain to start."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise SystemExit(f"no brain socket controller on 127.0.0.1:{port} (start: npm run brain -- --controller examples/socket-policy/controller.ts)")
            time.sleep(0.5)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 7070
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0  # answer this many frames, then exit (0 = forever)
    with connect(port) as sock:
        print(f"connected to the brain on 127.0.0.1:{port}", flush=True)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = sock.makefile("r", encoding="utf-8")
        motors_of = {}  # agent -> names of its motor channels
        answered = 0
        for line in reader:
            msg = json.loads(line)
            if msg["type"] == "start":
                motors_of[msg["agent"]] = [c["name"] for c in msg["channels"] if c["kind"] == "motor"]
                print(f"session {msg['session']} of {msg['agent']}: {[c['name'] for c in msg['channels']]}", flush=True)
            elif msg["type"] == "frame":
                motors = {}
                if "wheels" in motors_of.get(msg["agent"], ["wheels"]):
                    motors["wheels"] = decide(msg["sensors"])
                reply = {"agent": msg["agent"], "seq": msg["seq"], "motors": motors}
                sock.sendall((json.dumps(reply) + "\n").encode("utf-8"))
                answered += 1
                if limit and answered >= limit:
                    print(f"answered {answered} frames", flush=True)
                    return
            elif msg["type"] == "end":
                print(f"session {msg['session']} of {msg['agent']} ended", flush=True)


if __name__ == "__main__":
    main()
