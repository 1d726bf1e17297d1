fn main() {
    // OWNER: foundation helper (CLI, check-config); later issues add modes.
}
