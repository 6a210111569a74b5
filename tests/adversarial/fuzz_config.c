/* libFuzzer entry point: arbitrary bytes into the sweep's config parser
 * (sw_config_parse), no MPI, no file. Every input must give 0 or -1 with a
 * message, in bounded time and memory, without a sanitizer report. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sw_config cfg;
    char msg[SW_MSG_LEN];
    msg[0] = 0;
    int rc = sw_config_parse("fuzz.yaml", (const char *)data, size, &cfg, msg, sizeof msg);
    if (rc == 0) {
        sw_config_free(&cfg);
    } else if (rc != -1 || !msg[0] || !memchr(msg, 0, sizeof msg)) {
        __builtin_trap(); /* a failure without its one-line message */
    }
    return 0;
}
