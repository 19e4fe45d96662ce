/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the config loader: any byte string goes through
 * vs_config_load_buf() and, if it loads, vs_config_free(). Build with
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
 *       -Db_lundef=false
 * and run, e.g.
 *   build-fuzz/tests/config/config_fuzz -max_total_time=120 \
 *       -dict=tests/config/config.dict /tmp/cfg-corpus tests/config/corpus
 * A failed load must still leave a well-formed message; the harness traps
 * (a crash libFuzzer reports) when it does not.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vs_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vs_cfg_error err;
	struct vs_config *cfg;

	cfg = vs_config_load_buf((const char *)data, size, "fuzz.yaml", &err);
	if (cfg == NULL) {
		if (strncmp(err.msg, "fuzz.yaml:", 10) != 0 ||
		    strstr(err.msg, "; expected") == NULL)
			__builtin_trap();
		return 0;
	}
	/* touch what a consumer would read */
	if (cfg->n_ports > 0 && vs_config_port(cfg, cfg->ports[0].name) != &cfg->ports[0])
		__builtin_trap();
	if (vs_config_reload_check(cfg, cfg, NULL) != 0)
		__builtin_trap();
	vs_config_free(cfg);
	return 0;
}
