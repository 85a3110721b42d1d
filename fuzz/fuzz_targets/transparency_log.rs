#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| skillreg_fuzz::transparency_log(data));
