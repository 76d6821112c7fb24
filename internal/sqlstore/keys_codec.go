package sqlstore

import "encoding/base64"

func encodeKey(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func decodeKey(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
