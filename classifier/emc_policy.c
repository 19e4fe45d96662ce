/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EMC's policy: insert or bypass by what a packet costs either way (see
 * cls_priv.h, VS_EMC_SAMPLE_EVERY). Called by the worker once per window of
 * VS_EMC_WINDOW keys; a pure function of the window's counts and the
 * policy's state, so that a test can drive it with synthetic counts.
 */
#include <string.h>

#include "cls_priv.h"

void
vs_emc_policy_init(struct vs_emc_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = VS_EMC_ON;
	p->every = VS_EMC_TRIAL_EVERY;
}

/* Cycles per key in 16ths, as a moving average over windows (weight 1/4), so
 * that one window slowed by a neighbour does not flip the decision alone. */
static void
per_key16(uint32_t *avg, uint64_t cyc, uint32_t keys)
{
	uint64_t v = cyc * 16 / keys;

	if (*avg != 0)
		v = ((uint64_t)*avg * 3 + v) / 4;
	*avg = v > UINT32_MAX ? UINT32_MAX : (v == 0 ? 1 : (uint32_t)v);
}

/* Classification cycles per key of the window's sampled bursts, in 16ths;
 * 0 with too few samples. */
static uint32_t
win_cyc16(const struct vs_emc_win *w)
{
	uint64_t v;

	if (w->s_keys < VS_EMC_MIN_SAMPLES)
		return 0;
	v = w->s_cyc * 16 / w->s_keys;
	return v > UINT32_MAX ? UINT32_MAX : (v == 0 ? 1 : (uint32_t)v);
}

/* Averaged over windows like per_key16, from a value already per key. */
static void
avg16(uint32_t *avg, uint32_t v)
{
	*avg = *avg != 0 ? (uint32_t)(((uint64_t)*avg * 3 + v) / 4) : v;
}

/* A probe or trial kept the mode: wait twice as long for the next one. A
 * change of mode starts over from VS_EMC_TRIAL_EVERY. */
static void
kept(struct vs_emc_policy *p)
{
	p->every = RTE_MIN(p->every * 2, VS_EMC_TRIAL_EVERY_MAX);
}

static void
switch_to(struct vs_emc_policy *p, enum vs_emc_mode mode)
{
	p->mode = (uint8_t)mode;
	p->every = VS_EMC_TRIAL_EVERY;
}

/* Whether measured cost a beats b by the margin (VS_EMC_AB_NUM / _DEN). */
static bool
ab_wins(uint64_t a, uint64_t b)
{
	return a * (VS_EMC_AB_DEN + VS_EMC_AB_NUM) < b * VS_EMC_AB_DEN;
}

/* The window's cost estimates, per key in 16ths of a cycle: measured, or
 * until measured the constant model (the TSS's from this window's
 * subtables scanned per key; none searched: assume 1). */
static void
emc_costs(struct vs_emc_policy *p, const struct vs_emc_win *w, uint64_t *emc16, uint64_t *tss16)
{
	if (w->s_emc_keys >= VS_EMC_MIN_SAMPLES)
		per_key16(&p->emc_cyc16, w->s_emc_cyc, w->s_emc_keys);
	if (w->s_tss_keys >= VS_EMC_MIN_SAMPLES)
		per_key16(&p->tss_cyc16, w->s_tss_cyc, w->s_tss_keys);
	*emc16 = p->emc_cyc16 != 0 ? p->emc_cyc16 : VS_EMC_LOOKUP_CYC * 16;
	if (p->tss_cyc16 != 0) {
		*tss16 = p->tss_cyc16;
	} else {
		uint64_t probes16 =
		    w->tss_keys != 0 ? w->tss_probes * 16 / w->tss_keys : (uint64_t)16;

		*tss16 = VS_EMC_TSS_BASE_CYC * 16 + VS_EMC_TSS_PROBE_CYC * probes16;
	}
}

void
vs_emc_policy_step(struct vs_emc_policy *p, const struct vs_emc_win *w)
{
	uint32_t ratio = w->lookups != 0 ? (uint32_t)(((uint64_t)w->hits * 256) / w->lookups) : 0;
	uint64_t cost, saved, emc16, tss16;
	uint32_t c16 = win_cyc16(w);
	bool backing_off;

	emc_costs(p, w, &emc16, &tss16);
	/* Cycles the EMC spent over the window, and the TSS cycles its hits saved. */
	cost = emc16 * w->lookups;
	saved = tss16 * w->hits;
	switch (p->mode) {
	case VS_EMC_ON:
		if (c16 != 0)
			avg16(&p->on_cyc16, c16);
		if (w->lookups == 0)
			break;
		backing_off = ratio < VS_EMC_RATIO_LOW && p->shift < VS_EMC_SHIFT_MAX;
		if (backing_off)
			p->shift++;
		else if (ratio >= VS_EMC_RATIO_HIGH && p->shift > 0)
			p->shift--;
		/* Once settled and measured on: a probe every
		 * VS_EMC_TRIAL_EVERY windows measures the other way. */
		if (!backing_off && !p->pinned && p->on_cyc16 != 0 && ++p->idle >= p->every) {
			p->mode = VS_EMC_PROBE;
			p->idle = 0;
			p->strikes = 0;
			p->probes++;
			break;
		}
		/* Measured both ways: the probes decide, not the model. */
		if (p->on_cyc16 != 0 && p->off_cyc16 != 0)
			break;
		/* While insertion still backs off, the hit ratio may yet rise:
		 * judge once it has settled. */
		if (!backing_off && !p->pinned &&
		    cost * VS_EMC_HYST_DEN > saved * (VS_EMC_HYST_DEN + VS_EMC_HYST_NUM)) {
			/* Losing windows in a row, so that one slowed by a
			 * neighbour does not switch alone. */
			if (++p->strikes >= VS_EMC_CONFIRM) {
				switch_to(p, VS_EMC_BYPASS);
				p->idle = 0;
				p->strikes = 0;
			}
		} else {
			p->strikes = 0;
		}
		break;
	case VS_EMC_PROBE:
		/* The probe's window was bypassed: bypass if that was cheaper. */
		p->mode = VS_EMC_ON;
		if (c16 == 0)
			break;
		p->off_cyc16 = c16;
		if (ab_wins(p->off_cyc16, p->on_cyc16)) {
			switch_to(p, VS_EMC_BYPASS);
			p->idle = 0;
		} else {
			kept(p);
		}
		break;
	case VS_EMC_BYPASS:
		if (c16 != 0)
			avg16(&p->off_cyc16, c16);
		if (++p->idle >= p->every) {
			/* Warm at 1/1: a working set that fits fills the cache within a
			 * window; one that thrashes gets its backed-off shift back. */
			p->mode = VS_EMC_TRIAL_WARM;
			p->saved_shift = p->shift;
			p->shift = 0;
			p->trials++;
		}
		break;
	case VS_EMC_TRIAL_WARM:
		if (w->lookups != 0 && ratio < VS_EMC_RATIO_LOW)
			p->shift = p->saved_shift;
		p->mode = VS_EMC_TRIAL;
		break;
	case VS_EMC_TRIAL:
	default:
		p->idle = 0;
		if (c16 != 0 && p->off_cyc16 != 0) {
			/* Measured both ways: this window's cost with the EMC
			 * (warm) against the bypassed windows'. */
			p->on_cyc16 = c16;
			if (ab_wins(c16, p->off_cyc16)) {
				switch_to(p, VS_EMC_ON);
			} else {
				p->mode = VS_EMC_BYPASS;
				kept(p);
			}
		} else if (w->lookups != 0 &&
			   saved * VS_EMC_HYST_DEN > cost * (VS_EMC_HYST_DEN + VS_EMC_HYST_NUM)) {
			switch_to(p, VS_EMC_ON);
		} else {
			p->mode = VS_EMC_BYPASS;
			kept(p);
		}
		break;
	}
}
