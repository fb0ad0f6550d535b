package keyring

// kind names the keyring go-keyring uses here.
const kind = "keychain"

// explain leaves the Keychain's errors as they are: go-keyring already words
// them.
func explain(err error) error { return err }
