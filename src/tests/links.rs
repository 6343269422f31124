//! Media links over the stateful fake.

use super::*;

#[test]
fn links_validate_and_are_bounded() {
    let mut v = venc();
    let e = v.link([99, 0, 0], [9, 0, 0]).unwrap_err();
    assert!(
        e.to_string().starts_with("src[0] (module id) must be"),
        "{e}"
    );
    let e = v.link([6, -1, 0], [9, 0, 0]).unwrap_err();
    assert!(e.to_string().starts_with("src[1] (device id)"), "{e}");
    let mut ts = Vec::new();
    for i in 0..MAX_LINKS as i64 {
        ts.push(v.link([6, 0, i], [9, 0, i]).unwrap());
    }
    assert!(matches!(
        v.link([6, 0, 0], [9, 0, 0]),
        Err(Error::Capacity { .. })
    ));
    v.mpp().st().fail.insert("bind", k_err(5, 9));
    v.unlink(ts[0]).unwrap();
    let e = v.link([6, 0, 0], [9, 0, 0]).unwrap_err();
    assert!(e.to_string().contains("K_ERR_SYS_NOT_PERM"), "{e}");
    assert!(!v.is_linked(ts[0]));
}
