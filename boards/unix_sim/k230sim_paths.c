// k230sim_paths.c - unix_sim: the board's folders (/sdcard, /data, ...) mounted at start-up
// from K230_SIM_PATH_MAP, so that a CanMV script that writes to /sdcard runs unchanged.
//
//   K230_SIM_PATH_MAP="/sdcard=<host folder>:/data=<host folder>"
//
// Each entry mounts the host folder (which must exist) at the board path with MicroPython's
// own VFS (a VfsPosix rooted there), before the first line of Python runs: the script, the
// REPL or `-c` code. It is the variable scripts/k230sim run sets (it also mounts the same
// folders itself, and skips what is mounted already), and the one the simulator reads for
// files it opens itself. A malformed entry, or a folder that does not exist, is reported on
// stderr and skipped; the rest still mount. Host folders cannot contain ':'.
//
// Why at the first bytecode (MICROPY_VM_HOOK_INIT, mpconfigvariant.h) and not in the port's
// init: the unix port mounts its root folder after mp_init(), and MicroPython 1.21's main.c
// then makes the head of the mount table the current folder, which would be /sdcard had it
// been mounted first. The hook costs one test of a flag per Python function call.
//
// SPDX-License-Identifier: MIT OR Apache-2.0

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "py/nlr.h"
#include "py/runtime.h"
#include "extmod/vfs.h"
#include "extmod/vfs_posix.h"

int k230sim_paths_pending = 1;

static void k230sim_stderr_strn(void *env, const char *str, size_t len) {
    (void)env;
    fwrite(str, 1, len, stderr);
}

static const mp_print_t k230sim_stderr_print = { NULL, k230sim_stderr_strn };

// Mounts host folder `host` (`hlen` bytes) at board path `board` (`blen` bytes).
static void k230sim_mount_one(const char *board, size_t blen, const char *host, size_t hlen) {
    char dir[1024];
    struct stat st;
    if (hlen >= sizeof(dir)) {
        fprintf(stderr, "k230 sim: K230_SIM_PATH_MAP: %.*s: the host folder's name is too long; not mounted\n",
            (int)blen, board);
        return;
    }
    memcpy(dir, host, hlen);
    dir[hlen] = '\0';
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "k230 sim: K230_SIM_PATH_MAP: %.*s: %s is not a folder; not mounted\n",
            (int)blen, board, dir);
        return;
    }
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        // The mount point's text must outlive the mount: a qstr is never freed.
        mp_obj_t root = mp_obj_new_str(dir, hlen);
        mp_obj_t args[2] = {
            MP_OBJ_TYPE_GET_SLOT(&mp_type_vfs_posix, make_new)(&mp_type_vfs_posix, 1, 0, &root),
            MP_OBJ_NEW_QSTR(qstr_from_strn(board, blen)),
        };
        mp_vfs_mount(2, args, (mp_map_t *)&mp_const_empty_map);
        nlr_pop();
    } else {
        fprintf(stderr, "k230 sim: K230_SIM_PATH_MAP: %.*s not mounted: ", (int)blen, board);
        mp_obj_print_exception(&k230sim_stderr_print, MP_OBJ_FROM_PTR(nlr.ret_val));
    }
}

void k230sim_mount_board_paths(void) {
    k230sim_paths_pending = 0;
    const char *map = getenv("K230_SIM_PATH_MAP");
    if (map == NULL) {
        return;
    }
    const char *p = map;
    while (*p != '\0') {
        const char *end = strchr(p, ':');
        if (end == NULL) {
            end = p + strlen(p);
        }
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (end == p) {
            // An empty entry ("::", a trailing ':'): nothing to do.
        } else if (eq == NULL || p[0] != '/' || eq - p < 2 || eq[-1] == '/' || eq + 1 == end) {
            fprintf(stderr, "k230 sim: K230_SIM_PATH_MAP: entry '%.*s' ignored (expected /<board folder>=<host folder>)\n",
                (int)(end - p), p);
        } else {
            k230sim_mount_one(p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1));
        }
        p = *end != '\0' ? end + 1 : end;
    }
}
