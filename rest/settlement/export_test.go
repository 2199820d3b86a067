package settlement

// SetListPageSize makes whole lists read n items at a time, so that a test
// can cross page boundaries with a few items; it returns the restore.
func SetListPageSize(n int) (restore func()) {
	old := listPageSize
	listPageSize = n
	return func() { listPageSize = old }
}
