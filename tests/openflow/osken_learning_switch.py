# SPDX-License-Identifier: BSD-3-Clause
"""A MAC-learning controller app for os-ken, written for nfvswitch's tests.

Debian's python3-os-ken ships the library but no example apps. This app does
what an OpenFlow 1.3 learning switch controller does, which is what the test
needs a real controller to exercise on the switch:
  - on connect, a priority-0 match-all flow sends misses to the controller
    (the whole frame: OFPCML_NO_BUFFER);
  - on each packet-in it learns eth_src -> in_port for that datapath, and
    when eth_dst is known installs a priority-1 flow (in_port, eth_dst) ->
    output and sends the packet there, otherwise floods it (packet-out).

Run: osken-manager --ofp-tcp-listen-port PORT tests/openflow/osken_learning_switch.py
"""
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3


class NfvLearningSwitch(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fdb = {}  # datapath id -> {mac: port}

    @staticmethod
    def _flow(dp, priority, match, actions):
        parser = dp.ofproto_parser
        inst = [parser.OFPInstructionActions(dp.ofproto.OFPIT_APPLY_ACTIONS, actions)]
        dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=priority, match=match,
                                      instructions=inst))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        to_ctl = parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)
        self._flow(dp, 0, parser.OFPMatch(), [to_ctl])

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
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
            self._flow(dp, 1, parser.OFPMatch(in_port=in_port, eth_dst=dst), actions)
        data = msg.data if msg.buffer_id == ofp.OFP_NO_BUFFER else None
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=msg.buffer_id,
                                        in_port=in_port, actions=actions, data=data))
