#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gomap_fuzz::hash::run(data));
