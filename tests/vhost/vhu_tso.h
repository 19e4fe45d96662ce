/* SPDX-License-Identifier: BSD-3-Clause */
/* The frames tests/vhost/vhu_tso_guest sends, shared with the test that checks them. */
#ifndef VHU_TSO_H
#define VHU_TSO_H

#include <stdint.h>

#define VHU_TSO_SEQ0	    1000u  /* TCP sequence number of stream offset 0 */
#define VHU_TSO_SMALL	    300u   /* payload of the checksum-only frames */
#define VHU_TSO_MAX_PAYLOAD 16000u /* one super-frame's payload, at most */
#define VHU_TSO_V6	    3000u  /* payload of the TCP/IPv6 super-frame */

/* The payload byte at stream offset off. */
static inline uint8_t
vhu_tso_byte(uint32_t off)
{
	return (uint8_t)(off * 7u + (off >> 8));
}

#endif /* VHU_TSO_H */
