package docexchange

func newNationalClient(cfg National) nationalClient { return nil }
func permanentNational(err error) bool              { return false }
