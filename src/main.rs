//! The `csfkit` binary: everything is in the library.

fn main() -> std::process::ExitCode {
    csfkit::run(std::env::args_os())
}
