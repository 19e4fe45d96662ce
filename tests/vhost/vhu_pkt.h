/* SPDX-License-Identifier: BSD-3-Clause */
/* Test packets of the vhost tests: 64-byte UDP/IPv4 frames that say who sent them. */
#ifndef VHU_PKT_H
#define VHU_PKT_H

#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#define VHU_PKT_LEN	64
#define VHU_PAYLOAD_OFF 42 /* 14 Ethernet + 20 IPv4 + 8 UDP */
#define VHU_TAG_GUEST	0
#define VHU_TAG_TEST	1

/* Build the VHU_PKT_LEN-byte frame into p. */
static inline void
vhu_frame_fill(uint8_t *p, uint8_t tag, uint32_t seq)
{
	static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x02};
	static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};
	uint8_t *ip, *udp, *pl;

	memset(p, 0, VHU_PKT_LEN);
	memcpy(p, tag == VHU_TAG_TEST ? src : dst, 6);
	memcpy(p + 6, tag == VHU_TAG_TEST ? dst : src, 6);
	p[12] = 0x08;
	ip = p + 14;
	ip[0] = 0x45;
	ip[3] = VHU_PKT_LEN - 14;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[15] = (uint8_t)(tag + 1);
	ip[16] = 10, ip[19] = (uint8_t)(2 - tag);
	udp = ip + 20;
	udp[0] = 0x13, udp[1] = 0x88;
	udp[2] = 0x13, udp[3] = (uint8_t)(0x88 + (seq & 7)); /* a few flows */
	udp[5] = VHU_PKT_LEN - 34;
	pl = p + VHU_PAYLOAD_OFF;
	memcpy(pl, "VHUT", 4);
	pl[4] = tag;
	pl[5] = (uint8_t)(seq >> 24), pl[6] = (uint8_t)(seq >> 16);
	pl[7] = (uint8_t)(seq >> 8), pl[8] = (uint8_t)seq;
}

static inline void
vhu_pkt_fill(struct rte_mbuf *m, uint8_t tag, uint32_t seq)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, VHU_PKT_LEN);

	if (p != NULL)
		vhu_frame_fill(p, tag, seq);
}

/* The tag of a test frame, or -1 for anything else. */
static inline int
vhu_frame_tag(const uint8_t *p, uint32_t len)
{
	if (len < VHU_PAYLOAD_OFF + 9 || memcmp(p + VHU_PAYLOAD_OFF, "VHUT", 4) != 0)
		return -1;
	return p[VHU_PAYLOAD_OFF + 4];
}

static inline int
vhu_pkt_tag(const struct rte_mbuf *m)
{
	return vhu_frame_tag(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));
}

#endif /* VHU_PKT_H */
