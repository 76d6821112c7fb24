package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

func (e *env) keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage the keys that sign access tokens and the key that seals them"}
	rotate := &cobra.Command{Use: "rotate", Args: cobra.NoArgs,
		Short: "Make a new signing key; the old one keeps verifying until the tokens it signed expire"}
	cfg := e.withConfig(rotate, false)
	cfg.BindKeyEncryption(rotate.Flags(), false)
	rotate.RunE = func(cmd *cobra.Command, _ []string) error {
		sealer, err := keySealer(cfg.KeyEncryptionKey, kekSetting)
		if err != nil {
			return err
		}
		return withDB(cmd, cfg, func(db *sqlstore.DB) error {
			keys, err := openKeys(cmd.Context(), cfg, sqlstore.NewSigningKeys(db, sealer), e.logger(cfg))
			if err != nil {
				return err
			}
			if err := keys.Rotate(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "new signing key %s; instances pick it up within a job interval\n", keys.SigningKeyID())
			return nil
		})
	}
	newKEK := &cobra.Command{Use: "new-kek", Args: cobra.NoArgs,
		Short: "Print a new random key encryption key (for --key-encryption-key / IGNY8_KEY_ENCRYPTION_KEY)",
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(e.stdout, auth.GenerateKeyEncryptionKey())
			return nil
		}}
	cmd.AddCommand(rotate, newKEK, e.rewrapCmd())
	return cmd
}

func (e *env) rewrapCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "rewrap", Args: cobra.NoArgs,
		Short: "Seal every signing key and TOTP secret under a new key encryption key (--key-encryption-key), opening them with the old one",
		Long: "Seal every signing key under --key-encryption-key, in one transaction: keys sealed under\n" +
			"--old-key-encryption-key are sealed again, keys stored in plaintext are sealed, keys already under the new\n" +
			"key are left alone (running it twice is harmless), and a key that opens under neither changes nothing.\n" +
			"Then restart every instance with the new key."}
	cfg := e.withConfig(cmd, false)
	cfg.BindKeyEncryption(cmd.Flags(), true)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if cfg.KeyEncryptionKey == "" {
			return errors.New("set the new key encryption key with " + kekSetting)
		}
		sealer, err := keySealer(cfg.KeyEncryptionKey, kekSetting)
		if err != nil {
			return err
		}
		old, err := keySealer(cfg.OldKeyEncryptionKey, "--old-key-encryption-key (IGNY8_OLD_KEY_ENCRYPTION_KEY)")
		if err != nil {
			return err
		}
		var previous []igny8.KeySealer
		if old != nil {
			previous = append(previous, old)
		}
		return withDB(cmd, cfg, func(db *sqlstore.DB) error {
			n, err := sqlstore.NewSigningKeys(db, sealer).SealSigningKeys(cmd.Context(), previous...)
			if errors.Is(err, sqlstore.ErrWrongKeyEncryptionKey) {
				return fmt.Errorf("%w; nor with --old-key-encryption-key; nothing was changed", err)
			}
			if err != nil {
				return err
			}
			m, err := sqlstore.NewFactors(db, sealer).SealFactors(cmd.Context(), previous...)
			if errors.Is(err, sqlstore.ErrWrongKeyEncryptionKey) {
				return fmt.Errorf("%d signing keys were sealed again, but a TOTP secret %w; nor with --old-key-encryption-key; "+
					"no secret was changed", n, err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%d signing keys and %d TOTP secrets sealed again under the new key encryption key; "+
				"restart every instance with it\n", n, m)
			return nil
		})
	}
	return cmd
}

// kekSetting names the key encryption key setting in refusals.
const kekSetting = "--key-encryption-key (IGNY8_KEY_ENCRYPTION_KEY)"

// keySealer parses a configured key encryption key, named by setting in
// its refusal (which never shows the value); nil when value is empty.
func keySealer(value, setting string) (igny8.KeySealer, error) {
	if value == "" {
		return nil, nil
	}
	kek, err := auth.ParseKeyEncryptionKey(value)
	if err != nil {
		return nil, fmt.Errorf("%s %w", setting, err)
	}
	return kek, nil
}

// openKeys loads the token signing keys of store. When store seals (a key
// encryption key is configured) it first seals, in place, every key still
// stored in plaintext; otherwise it warns that the keys are unprotected. A
// sealed key it cannot open (no key encryption key, or another one) stops
// it instead of making a new key, which would log everyone out.
func openKeys(ctx context.Context, cfg *config.Config, store *sqlstore.SigningKeys, log *slog.Logger) (*auth.Keys, error) {
	if store.Seals() {
		n, err := store.SealSigningKeys(ctx)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			log.Info("sealed plaintext signing keys with the key encryption key", "keys", n)
		}
	}
	keys, err := auth.NewKeys(ctx, store, cfg.AccessTTL)
	if err != nil {
		return nil, err
	}
	if !store.Seals() {
		log.Warn("token signing keys are stored unencrypted: whoever reads the database can mint access tokens; " +
			"set --key-encryption-key (IGNY8_KEY_ENCRYPTION_KEY; igny8 keys new-kek prints one)")
	}
	return keys, nil
}
