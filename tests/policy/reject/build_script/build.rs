// Build scripts run arbitrary code at build time and can steer compilation.
fn main() {
    println!("cargo:rustc-cfg=sneaky");
}
