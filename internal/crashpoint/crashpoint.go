// Package crashpoint lets crash tests kill a real mm process at a named
// point: after a memory file's temp write, before its rename, before a
// database commit, in the middle of a migration.
//
// It is compiled in only with the build tag "crashtest"; in every other
// build Hit is an empty function the compiler removes. A crash-test binary
// dies with SIGKILL (no deferred cleanup runs, exactly like a power cut or
// kill -9) when it reaches the point named by MEMTOMEM_CRASH_AT.
package crashpoint

// Names of the crash points.
const (
	AfterTempWrite = "after-temp-write"
	BeforeRename   = "before-rename"
	BeforeCommit   = "before-commit"
	MidMigration   = "mid-migration"
	// MidAppend is halfway through appending entries to a memory file (a
	// torn write: the file ends in part of an entry); AfterAppend is after
	// the appended bytes are written (they are synced later, once the
	// file's lock is let go), before the journal records them.
	MidAppend   = "mid-append"
	AfterAppend = "after-append"
	// BeforeSync is after an append let go of the file's lock, before it
	// syncs the file and acknowledges the add.
	BeforeSync = "before-sync"
)

// EnvVar names the point a crashtest binary dies at.
const EnvVar = "MEMTOMEM_CRASH_AT"

// HowVar, set to "stop", makes a crashtest binary stop itself with SIGSTOP
// at the point (once) instead of dying, as a debugger or `kill -STOP` would
// stop it; after SIGCONT it carries on. Tests use it to show that a process
// stopped while holding a lock gives everyone else a bounded busy error.
const HowVar = "MEMTOMEM_CRASH_HOW"
