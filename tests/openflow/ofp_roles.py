# SPDX-License-Identifier: BSD-3-Clause
"""Two OpenFlow 1.3 controllers against nfvswitch's passive listener, built
from os-ken's own message classes (os_ken.ofproto.ofproto_v1_3_parser), the
encoder and decoder a real controller uses, over plain sockets: os-ken's
manager has no way to run two controllers against one switch in a test.

Checks, in order (OpenFlow 1.3 section 6.3.5):
  - A becomes master (generation 10), B slave; B's FLOW_MOD and PACKET_OUT
    are refused with BAD_REQUEST/IS_SLAVE, A's FLOW_MOD goes in, B may read
    the flows (multipart is not a change);
  - the slave gets no PACKET_IN while the master does (table_miss:
    controller and traffic on the switch's input port);
  - B asking for master with generation 9 is STALE; with 11 B takes over and
    A is a slave from then on (NOCHANGE reports it, its FLOW_MOD is refused);
  - GET_ASYNC reports the OpenFlow 1.3 defaults; SET_ASYNC on the slave
    asking for NO_MATCH packet-ins makes it get them;
  - FLOW_REMOVED (a flow with send_flow_rem deleted) goes to the master,
    not to the slave, until the slave asks for it with SET_ASYNC;
  - A asking for EQUAL may change the switch again.

Run: python3 ofp_roles.py PORT; exit 0 when every check holds, else 1 with
the failed check on stderr.
"""
import socket
import struct
import sys
import time

from os_ken.ofproto import ofproto_parser
from os_ken.ofproto import ofproto_v1_3 as ofp
from os_ken.ofproto import ofproto_v1_3_parser as parser


class Datapath:
    """What the message classes need of a datapath to (de)serialize."""

    ofproto = ofp
    ofproto_parser = parser

    def __init__(self, name, port):
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.xid = 100
        self.packet_ins = 0
        self.flow_removed = []  # reasons, in order
        self.send(parser.OFPHello(self))
        hello = self.recv()
        check(hello.msg_type == ofp.OFPT_HELLO, f"{name}: no HELLO: {hello}")

    def send(self, msg):
        self.xid += 1
        msg.set_xid(self.xid)
        msg.serialize()
        self.sock.sendall(msg.buf)
        return self.xid

    def recv(self, timeout=5.0):
        """The next message other than ECHO_REQUEST, PACKET_IN (counted) and
        FLOW_REMOVED (its reason kept)."""
        end = time.monotonic() + timeout
        while True:
            while len(self.buf) < 8 or len(self.buf) < struct.unpack_from("!H", self.buf, 2)[0]:
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.sock.settimeout(left)
                try:
                    data = self.sock.recv(65536)
                except socket.timeout:
                    return None
                check(data, f"{self.name}: the switch closed the connection")
                self.buf += data
            version, mtype, length, xid = struct.unpack_from("!BBHI", self.buf)
            raw, self.buf = self.buf[:length], self.buf[length:]
            msg = ofproto_parser.msg(self, version, mtype, length, xid, raw)
            if mtype == ofp.OFPT_ECHO_REQUEST:
                self.send(parser.OFPEchoReply(self, data=msg.data))
                continue
            if mtype == ofp.OFPT_PACKET_IN:
                self.packet_ins += 1
                continue
            if mtype == ofp.OFPT_FLOW_REMOVED:
                self.flow_removed.append(msg.reason)
                continue
            return msg

    def call(self, msg):
        """Send msg and a barrier: the messages answering msg, in order."""
        xid = self.send(msg)
        self.send(parser.OFPBarrierRequest(self))
        got = []
        while True:
            m = self.recv()
            check(m is not None, f"{self.name}: no BARRIER_REPLY within 5 s")
            if m.msg_type == ofp.OFPT_BARRIER_REPLY:
                return got
            if m.xid == xid:
                got.append(m)

    def drain(self, seconds):
        """Read (and count packet-ins) for a while."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.recv(timeout=max(0.0, end - time.monotonic()))


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def role(dp, r, gen):
    return dp.call(parser.OFPRoleRequest(dp, r, gen))


def expect_role(dp, r, gen, want_role, want_gen):
    got = role(dp, r, gen)
    check(len(got) == 1 and got[0].msg_type == ofp.OFPT_ROLE_REPLY,
          f"{dp.name}: role {r} gen {gen}: {got}")
    check(got[0].role == want_role and got[0].generation_id == want_gen,
          f"{dp.name}: role reply {got[0].role}/{got[0].generation_id}, "
          f"expected {want_role}/{want_gen}")


def expect_error(dp, got, etype, code, what):
    check(len(got) == 1 and got[0].msg_type == ofp.OFPT_ERROR
          and got[0].type == etype and got[0].code == code,
          f"{dp.name}: {what}: expected error {etype}/{code}, got {got}")


def flow_mod(dp, priority, command=ofp.OFPFC_ADD, flags=0):
    out = [parser.OFPActionOutput(2)]
    inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, out)]
    match = parser.OFPMatch(eth_type=0x0800, ipv4_dst="10.9.9.%d" % (priority % 250))
    return parser.OFPFlowMod(dp, priority=priority, match=match, instructions=inst,
                             command=command, out_port=ofp.OFPP_ANY,
                             out_group=ofp.OFPG_ANY, flags=flags)


def removed_seen(master, slave, prio, want_master, want_slave, what):
    """master adds flow prio with send_flow_rem and deletes it: who hears it."""
    master.flow_removed = []
    slave.flow_removed = []
    check(master.call(flow_mod(master, prio, flags=ofp.OFPFF_SEND_FLOW_REM)) == [],
          f"{what}: the add refused")
    check(master.call(flow_mod(master, prio, command=ofp.OFPFC_DELETE_STRICT)) == [],
          f"{what}: the delete refused")
    master.drain(0.3)
    slave.drain(0.3)
    check(master.flow_removed == want_master,
          f"{what}: {master.name} got FLOW_REMOVED {master.flow_removed}, expected {want_master}")
    check(slave.flow_removed == want_slave,
          f"{what}: {slave.name} got FLOW_REMOVED {slave.flow_removed}, expected {want_slave}")


def flows(dp):
    got = dp.call(parser.OFPFlowStatsRequest(dp))
    return sorted(s.priority for m in got for s in m.body)


def main():
    port = int(sys.argv[1])
    a = Datapath("A", port)
    b = Datapath("B", port)

    expect_role(a, ofp.OFPCR_ROLE_MASTER, 10, ofp.OFPCR_ROLE_MASTER, 10)
    expect_role(b, ofp.OFPCR_ROLE_SLAVE, 10, ofp.OFPCR_ROLE_SLAVE, 10)
    expect_error(b, b.call(flow_mod(b, 7)), ofp.OFPET_BAD_REQUEST, ofp.OFPBRC_IS_SLAVE,
                 "slave FLOW_MOD")
    po = parser.OFPPacketOut(b, buffer_id=ofp.OFP_NO_BUFFER, in_port=ofp.OFPP_CONTROLLER,
                             actions=[parser.OFPActionOutput(1)], data=b"\xff" * 60)
    expect_error(b, b.call(po), ofp.OFPET_BAD_REQUEST, ofp.OFPBRC_IS_SLAVE,
                 "slave PACKET_OUT")
    expect_error(b, b.call(parser.OFPSetConfig(b, 0, 128)), ofp.OFPET_BAD_REQUEST,
                 ofp.OFPBRC_IS_SLAVE, "slave SET_CONFIG")
    check(a.call(flow_mod(a, 7)) == [], "master FLOW_MOD refused")
    check(flows(b) == [7], f"the slave reads the flows: {flows(b)}")

    # misses go to the master only
    a.packet_ins = b.packet_ins = 0
    a.drain(1.0)
    b.drain(0.2)
    check(a.packet_ins > 0, "the master got no PACKET_IN (is there traffic?)")
    check(b.packet_ins == 0, f"the slave got {b.packet_ins} PACKET_INs")

    expect_error(b, role(b, ofp.OFPCR_ROLE_MASTER, 9), ofp.OFPET_ROLE_REQUEST_FAILED,
                 ofp.OFPRRFC_STALE, "master with an older generation_id")
    expect_role(b, ofp.OFPCR_ROLE_MASTER, 11, ofp.OFPCR_ROLE_MASTER, 11)
    expect_role(a, ofp.OFPCR_ROLE_NOCHANGE, 0, ofp.OFPCR_ROLE_SLAVE, 11)
    expect_error(a, a.call(flow_mod(a, 8)), ofp.OFPET_BAD_REQUEST, ofp.OFPBRC_IS_SLAVE,
                 "FLOW_MOD of the old master")
    check(b.call(flow_mod(b, 9)) == [], "the new master's FLOW_MOD refused")
    check(flows(a) == [7, 9], f"flows after the takeover: {flows(a)}")

    # FLOW_REMOVED: the master hears of the delete, the slave does not
    removed_seen(b, a, 20, [ofp.OFPRR_DELETE], [], "FLOW_REMOVED, defaults")

    # the async defaults, and a slave that asks for NO_MATCH packet-ins
    got = a.call(parser.OFPGetAsyncRequest(a))
    check(len(got) == 1 and got[0].msg_type == ofp.OFPT_GET_ASYNC_REPLY, f"GET_ASYNC: {got}")
    check(got[0].packet_in_mask == [7, 0] and got[0].port_status_mask == [7, 7]
          and got[0].flow_removed_mask == [15, 0], f"async defaults: {got[0]}")
    a.drain(0.3)
    a.packet_ins = 0
    check(a.call(parser.OFPSetAsync(a, [7, 1 << ofp.OFPR_NO_MATCH], [7, 7], [15, 0])) == [],
          "SET_ASYNC refused")
    a.drain(1.0)
    check(a.packet_ins > 0, "a slave that asked for NO_MATCH packet-ins got none")
    # ... and one that asks for FLOW_REMOVED on delete gets it
    check(a.call(parser.OFPSetAsync(a, [7, 1 << ofp.OFPR_NO_MATCH], [7, 7],
                                    [15, 1 << ofp.OFPRR_DELETE])) == [],
          "SET_ASYNC (flow_removed) refused")
    removed_seen(b, a, 21, [ofp.OFPRR_DELETE], [ofp.OFPRR_DELETE],
                 "FLOW_REMOVED, a slave that asked for it")

    # equal: changes again, the master stays master
    expect_role(a, ofp.OFPCR_ROLE_EQUAL, 0, ofp.OFPCR_ROLE_EQUAL, 11)
    check(a.call(flow_mod(a, 8)) == [], "an equal's FLOW_MOD refused")
    check(flows(b) == [7, 8, 9], f"flows at the end: {flows(b)}")
    print("ok")


if __name__ == "__main__":
    main()
