"""Reading from gs:// through a real gcp-storage-emulator (no mocks of gcsfs)."""
import pandas as pd
import pytest
from hybridrec.data import load_amazon, DataError
from hybridrec.demo import write_demo

def assert_same(a, b):
    assert a.synthetic == b.synthetic
    for split in ("train", "valid", "test"):
        pd.testing.assert_frame_equal(getattr(a, split), getattr(b, split))
    pd.testing.assert_frame_equal(a.items, b.items)
    assert a.dropped_duplicates == b.dropped_duplicates

def test_demo_data_from_gcs_equals_local(gcs_bucket, tmp_path):
    fs, bucket, so = gcs_bucket
    local = tmp_path / "demo"
    write_demo(str(local), users=400, items=150, seed=3)
    fs.put(str(local) + "/", f"{bucket}/amazon/", recursive=True)
    assert sorted(p.split("/")[-1] for p in fs.ls(f"{bucket}/amazon")) == sorted(p.name for p in local.iterdir())
    from_gcs = load_amazon(f"gs://{bucket}/amazon", storage_options=so, progress=False)
    assert_same(from_gcs, load_amazon(str(local), progress=False))
    # a category subset reads only that category
    cat = sorted(from_gcs.train.category.unique())[0]
    sub = load_amazon(f"gs://{bucket}/amazon", categories=[cat], storage_options=so, progress=False)
    assert set(sub.train.category.unique()) == {cat}

def test_demo_data_written_straight_to_gcs(gcs_bucket, tmp_path):
    fs, bucket, so = gcs_bucket
    write_demo(f"gs://{bucket}/direct", users=200, items=80, seed=5, storage_options=so)
    local = tmp_path / "d"; write_demo(str(local), users=200, items=80, seed=5)
    assert_same(load_amazon(f"gs://{bucket}/direct", storage_options=so, progress=False), load_amazon(str(local), progress=False))

def test_missing_prefix_names_location(gcs_bucket):
    fs, bucket, so = gcs_bucket
    fs.pipe(f"{bucket}/other/readme.txt", b"x")
    with pytest.raises(DataError, match=r"gs://.*/other.*readme\.txt"):
        load_amazon(f"gs://{bucket}/other", storage_options=so, progress=False)
