package auth_test

import (
	"context"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestCredentialsAuthenticate(t *testing.T) {
	a := testenv.App(t)
	ctx := context.Background()
	for _, kind := range auth.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			nc, err := a.Auth.CreateCredential(ctx, kind, "Name of "+string(kind))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(nc.Username, string(kind)+"-") || len(nc.Secret) < 32 {
				t.Fatalf("credential %+v", nc)
			}
			if (nc.Salt != "") != (kind == auth.KindPartner) {
				t.Fatalf("salt %q for %s", nc.Salt, kind)
			}
			p, err := a.Auth.AuthenticateBasic(ctx, nc.Username, nc.Secret)
			if err != nil || p.Kind != kind || p.Username != nc.Username {
				t.Fatalf("authenticate: %+v %v", p, err)
			}
			// Twice: the second comes from the verification cache.
			if p2, err := a.Auth.AuthenticateBasic(ctx, nc.Username, nc.Secret); err != nil || *p2 != *p {
				t.Fatalf("cached authenticate: %+v %v", p2, err)
			}
			for _, bad := range [][2]string{{nc.Username, nc.Secret + "x"}, {nc.Username, ""}, {nc.Username + "x", nc.Secret}, {"", nc.Secret}} {
				if _, err := a.Auth.AuthenticateBasic(ctx, bad[0], bad[1]); !errs.Is(err, errs.Unauthenticated) {
					t.Fatalf("authenticate(%q, %q) = %v", bad[0], bad[1], err)
				}
			}
			_, secret, err := a.Auth.PartnerSecret(ctx, nc.Username)
			if kind == auth.KindPartner {
				if err != nil || string(secret) != nc.Secret {
					t.Fatalf("partner secret: %q %v", secret, err)
				}
			} else if !errs.Is(err, errs.Unauthenticated) {
				t.Fatalf("%s has a signing secret: %v", kind, err)
			}
		})
	}
}

func TestCreateCredentialRejectsBadInput(t *testing.T) {
	a := testenv.App(t)
	if _, err := a.Auth.CreateCredential(context.Background(), "root", "x"); errs.As(err).Field != "kind" {
		t.Fatalf("bad kind: %v", err)
	}
	for _, name := range []string{"", "   ", strings.Repeat("n", 129)} {
		if _, err := a.Auth.CreateCredential(context.Background(), auth.KindAdmin, name); errs.As(err).Field != "name" {
			t.Fatalf("name %q: %v", name, err)
		}
	}
}

func TestSecretsAreNotStoredInTheClear(t *testing.T) {
	a := testenv.App(t)
	nc := testenv.Credential(t, a, auth.KindPartner)
	var hash string
	var sealedSecret, sealedSalt []byte
	err := testenv.DB(t).Pool.QueryRow(context.Background(),
		`SELECT secret_hash, sealed_secret, sealed_salt FROM credentials WHERE username = $1`, nc.Username,
	).Scan(&hash, &sealedSecret, &sealedSalt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, nc.Secret) {
		t.Fatalf("hash %q", hash)
	}
	if strings.Contains(string(sealedSecret), nc.Secret) || strings.Contains(string(sealedSalt), nc.Salt) {
		t.Fatal("sealed values hold the plain text")
	}
}
