package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// PDFText extracts the text of a PDF document with poppler's pdftotext
// (-layout), as a person copying from a viewer gets it. scripts/test.sh
// installs poppler-utils when pdftotext is missing; without it the test is
// skipped, except in CI (CI set), where it fails.
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing: scripts/test.sh installs poppler-utils")
		}
		t.Skip("pdftotext is missing (apt-get install poppler-utils, or run make test)")
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF document: %q", pdf[:min(len(pdf), 64)])
	}
	f := filepath.Join(t.TempDir(), "document.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
