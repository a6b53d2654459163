//go:build !unix

package check

// readRegular leaves every file to the general path where there is no
// cheaper one.
func readRegular(string, int64) ([]byte, bool, error) { return nil, false, nil }
