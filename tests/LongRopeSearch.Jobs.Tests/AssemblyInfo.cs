// The tests run whole jobs that use every core, and some watch real processes: running test classes side by side
// would only slow each other down on the 2-core machines this project runs on.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
