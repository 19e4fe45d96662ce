# SPDX-License-Identifier: BSD-3-Clause
"""A two-table OpenFlow 1.3 app for os-ken, written for nfvswitch's tests.

Table 0 classifies, table 1 learns and forwards:
  - table 0: ARP and IPv4 go to table 1 (goto_table), IPv4 to 10.99.0.9 is
    dropped there, anything else (IPv6, ...) misses table 0 and is dropped;
  - table 1: a priority-0 match-all flow sends misses to the controller;
    on each packet-in (which must say table 1) it learns eth_src -> in_port
    and, when eth_dst is known, installs a table-1 flow (in_port, eth_dst)
    -> output, then sends the packet there or floods it (packet-out).
Every packet-in is logged as "packet-in table=T reason=R" for the test.

Run: osken-manager --ofp-tcp-listen-port PORT tests/openflow/osken_two_tables.py
"""
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3


class NfvTwoTables(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fdb = {}  # datapath id -> {mac: port}

    @staticmethod
    def _flow(dp, table, priority, match, inst):
        dp.send_msg(dp.ofproto_parser.OFPFlowMod(datapath=dp, table_id=table,
                                                 priority=priority, match=match,
                                                 instructions=inst))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        to_t1 = [parser.OFPInstructionGotoTable(1)]
        self._flow(dp, 0, 10, parser.OFPMatch(eth_type=0x0806), to_t1)
        self._flow(dp, 0, 10, parser.OFPMatch(eth_type=0x0800), to_t1)
        self._flow(dp, 0, 20, parser.OFPMatch(eth_type=0x0800, ipv4_dst='10.99.0.9'), [])
        to_ctl = parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)
        apply = ofp.OFPIT_APPLY_ACTIONS
        self._flow(dp, 1, 0, parser.OFPMatch(),
                   [parser.OFPInstructionActions(apply, [to_ctl])])

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        self.logger.info('packet-in table=%d reason=%d', msg.table_id, msg.reason)
        in_port = msg.match['in_port']
        eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)
        if not eth:
            return
        src, dst = eth[0].src, eth[0].dst
        table = self.fdb.setdefault(dp.id, {})
        table[src] = in_port
        out = table.get(dst, ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out)]
        if out != ofp.OFPP_FLOOD:
            inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
            self._flow(dp, 1, 1, parser.OFPMatch(in_port=in_port, eth_dst=dst), inst)
        data = msg.data if msg.buffer_id == ofp.OFP_NO_BUFFER else None
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=msg.buffer_id,
                                        in_port=in_port, actions=actions, data=data))
