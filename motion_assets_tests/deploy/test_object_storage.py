"""Tables and models on S3 through the same fsspec path, against moto's S3 server over HTTP.

A site's object store (S3, MinIO) is reached the same way: ``--storage s3://bucket/prefix`` and
the usual AWS_* variables (AWS_ENDPOINT_URL for a non-AWS endpoint).
"""

import hashlib
import io
import socket

import boto3
import pandas as pd
import pytest
from dagster import AssetKey, instance_for_test, materialize
from moto.server import ThreadedMotoServer

from motion_assets.core.synthetic import MAIN_VARIANT, write_tokenizer_output
from motion_assets.definitions import ASSETS
from motion_assets.defs.resources import build_resources
from motion_assets_tests.defs.conftest import TINY_ENCODER, small_spec

BUCKET = "motion-assets-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def on_s3(s3_endpoint, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": s3_endpoint}.items():
        patch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    tree = write_tokenizer_output(tmp_path_factory.mktemp("s3") / "data", small_spec())
    resources = build_resources(inference_root=str(tree.inference_root),
                                labelled_root=str(tree.labelled_root),
                                incoming_root=str(tree.incoming_root),
                                storage=f"s3://{BUCKET}/storage")
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("dataset_variant", [MAIN_VARIANT])
        result = materialize(
            ASSETS, instance=instance, partition_key=MAIN_VARIANT, resources=resources,
            selection=["code_sequences", "rejected_files", "sequence_encoder", "sequence_embeddings"],
            run_config={"ops": {"sequence_encoder": {"config": TINY_ENCODER}}})
        yield client, result, instance
    patch.undo()


def _key_of(result, asset: str) -> str:
    event = result.asset_materializations_for_node(asset)[0]
    path = event.metadata["path"].value
    assert path.startswith(f"s3://{BUCKET}/"), path
    return path[len(f"s3://{BUCKET}/"):]


def test_tables_are_parquet_objects_in_the_bucket(on_s3):
    client, result, _ = on_s3
    assert result.success
    body = client.get_object(Bucket=BUCKET, Key=_key_of(result, "code_sequences"))["Body"].read()
    table = pd.read_parquet(io.BytesIO(body))
    rows = result.asset_materializations_for_node("code_sequences")[0].metadata["dagster/row_count"]
    assert len(table) == rows.value > 0


def test_a_model_object_is_the_file_the_instance_recorded(on_s3):
    client, result, instance = on_s3
    body = client.get_object(Bucket=BUCKET, Key=_key_of(result, "sequence_encoder"))["Body"].read()
    recorded = instance.get_latest_materialization_event(AssetKey("sequence_encoder"))
    assert hashlib.sha256(body).hexdigest() == \
        recorded.asset_materialization.metadata["content_hash"].value


def test_a_downstream_step_reads_its_inputs_back_from_the_bucket(on_s3):
    client, result, _ = on_s3
    body = client.get_object(Bucket=BUCKET, Key=_key_of(result, "sequence_embeddings"))["Body"].read()
    sequences = client.get_object(Bucket=BUCKET, Key=_key_of(result, "code_sequences"))["Body"].read()
    assert len(pd.read_parquet(io.BytesIO(body))) == len(pd.read_parquet(io.BytesIO(sequences)))
