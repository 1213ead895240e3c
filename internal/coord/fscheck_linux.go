package coord

import "golang.org/x/sys/unix"

// statfsType returns the filesystem magic number of path. It is a variable so
// tests can pretend a path is on NFS.
var statfsType = func(path string) (int64, error) {
	st, err := statfs(path)
	if err != nil {
		return 0, err
	}
	// f_type is 32 bits wide in the kernel but its Go field is signed and
	// of varying width by architecture; on 32-bit ones 0xFF534D42 would come
	// out negative. Going through uint32 gives every magic number one form.
	return int64(uint32(st.Type)), nil
}

// statfs is statfs(2), retried when a signal interrupts it.
func statfs(path string) (unix.Statfs_t, error) {
	var st unix.Statfs_t
	for {
		err := unix.Statfs(path, &st)
		if err != unix.EINTR {
			return st, err
		}
	}
}
