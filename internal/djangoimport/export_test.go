package djangoimport

// FailAfter makes a run with opt fail after the step of model, to test
// that nothing is written then.
func FailAfter(opt Options, model string) Options {
	opt.failAfter = model
	return opt
}
