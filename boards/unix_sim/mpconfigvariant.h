// unix_sim: the MicroPython unix port configured like the CanMV-K230 firmware as far as
// media.vencoder scripts can tell, running on the k230-venc host simulator.

// The "standard" unix variant's feature level.
#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

// A built-in module may hold built-in submodules (media -> media.vencoder), as in CanMV's
// ROM level. Off by default below the EVERYTHING level.
#define MICROPY_MODULE_BUILTIN_SUBPACKAGES (1)

// MP_REGISTER_MODULE_DELEGATION (used to add os.exitpoint). On at EXTRA_FEATURES already;
// stated so that a lower ROM level cannot silently drop it.
#define MICROPY_MODULE_ATTR_DELEGATION (1)

// The unix port's common extras (os/time include files, readline, float, long int, ...).
// Resolved through -I. of ports/unix, since this directory lives outside the port.
#include "variants/mpconfigvariant_common.h"

// Ctrl-C is delivered by the VM at safe points (between bytecodes, at os.exitpoint()), not by
// longjmp out of the SIGINT handler as the common unix config does: a jump out of the Rust
// simulator or core in the middle of a call would leave their locks held and the next MPP call
// deadlocked. A second Ctrl-C while the first is still pending ends the process.
#undef MICROPY_ASYNC_KBD_INTR
#define MICROPY_ASYNC_KBD_INTR (0)

// The board's folders of K230_SIM_PATH_MAP (/sdcard=<dir>:/data=<dir>) are mounted before the
// first Python code runs (k230sim_paths.c says why this hook).
extern int k230sim_paths_pending;
void k230sim_mount_board_paths(void);
#define MICROPY_VM_HOOK_INIT \
    if (k230sim_paths_pending) { \
        k230sim_mount_board_paths(); \
    }
