package app

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/lgsp-vn/lgsp/services/adapters"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// secrets fills the dev-mode secrets that were not configured: the
// registry's master key and the admin password persisted under the data
// directory, and a fresh internal token per process (everything runs in
// one process).
func (a *App) secrets() error {
	if !a.dev {
		return nil
	}
	if a.cfg.InternalToken == "" {
		a.cfg.InternalToken = randomToken()
	}
	if err := a.adaptersSecrets(); err != nil {
		return err
	}
	rc, ok := a.cfg.Section(RegistryName).(*registry.Config)
	if !ok {
		return nil
	}
	if rc.MasterKey == "" {
		k, _, err := fileSecret(filepath.Join(a.cfg.DataDir, "master.key"), randomKey)
		if err != nil {
			return fmt.Errorf("master key: %w", err)
		}
		rc.MasterKey = k
	}
	a.Info.AdminUser = "admin"
	if rc.AdminPassword == "" {
		path := filepath.Join(a.cfg.DataDir, "admin-password")
		p, created, err := fileSecret(path, randomPassword)
		if err != nil {
			return fmt.Errorf("admin password: %w", err)
		}
		rc.AdminPassword = p
		a.Info.AdminPasswordFile = path
		a.Info.PasswordGenerated = created
	}
	a.Info.AdminPassword = rc.AdminPassword
	return nil
}

// adaptersSecrets fills the adapters' audit key from a file under the
// data directory, so that the access log and its person hashes survive a
// restart, and the demo auditor's password.
func (a *App) adaptersSecrets() error {
	ac, ok := a.cfg.Section(adapters.Definition.Name).(*adapters.Config)
	if !ok {
		return nil
	}
	if ac.AuditKey == "" {
		k, _, err := fileSecret(filepath.Join(a.cfg.DataDir, "adapters-audit.key"), randomKey)
		if err != nil {
			return fmt.Errorf("adapters audit key: %w", err)
		}
		ac.AuditKey = k
	}
	if _, ok := a.cfg.Section(RegistryName).(*registry.Config); ok {
		path := filepath.Join(a.cfg.DataDir, "auditor-password")
		p, _, err := fileSecret(path, randomPassword)
		if err != nil {
			return fmt.Errorf("auditor password: %w", err)
		}
		a.Info.AuditorPassword, a.Info.AuditorPasswordFile = p, path
	}
	return nil
}

// fileSecret returns the secret stored at path, creating it with gen when the
// file does not exist. The file is written with mode 0600. created reports
// whether it was generated now.
func fileSecret(path string, gen func() string) (secret string, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", false, fmt.Errorf("%s is empty: delete it to generate a new one", path)
		}
		return s, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, err
	}
	s := gen()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, err
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return "", false, err
	}
	return s, true, f.Close()
}

func randomKey() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// randomPassword is readable and typeable: 20 characters from an alphabet
// without look-alikes, about 110 bits.
func randomPassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [20]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, len(b))
	for i, v := range b {
		out[i] = alphabet[int(v)%len(alphabet)]
	}
	return string(out)
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
