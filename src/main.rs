//! The `csfkit` binary: everything is in the library.

/// mimalloc instead of glibc malloc: the importer allocates cell strings on the reader thread
/// and frees them on the validator and writer threads, and glibc's arena locks made that cost
/// about a sixth of an import.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    csfkit::run(std::env::args_os())
}
