#!/usr/bin/env bash
# Packages Stampede's AWS stack (deploy/template.yaml) and prints the commands that deploy it.
#
#   deploy/package.sh [--arch x86_64|arm64] [--dry-run] [--no-build] [--bin-dir DIR]
#
# 1. builds the three Lambdas (api, task-runner, results-parser) in release mode for the chosen
#    architecture, `provided.al2023` style: each binary renamed `bootstrap`, alone in a zip named after
#    its content hash (a new hash is a new S3 key, so `cloudformation deploy` updates the function);
# 2. copies the console (crates/hub/assets) into the layout CloudFront serves: index.html at the root,
#    the rest under assets/;
# 3. prints the upload, image push and `aws cloudformation deploy` commands, filled in from
#    STACK_NAME, AWS_REGION, CODE_BUCKET, IMAGE_URI and ADMIN_EMAIL when they are set.
#
# --dry-run prints the cargo command instead of running it (and packages nothing);
# --no-build packages binaries already built by an earlier run; --bin-dir DIR packages the binaries
# found in DIR instead (built elsewhere, e.g. by `cargo lambda build --release --arm64`).
#
# Targets: x86_64 builds for x86_64-unknown-linux-gnu, arm64 for aarch64-unknown-linux-gnu. Lambda's
# provided.al2023 has glibc 2.34, so the script refuses a binary that needs newer glibc symbols. A
# cross build to arm64 needs that rustup target and a linker, e.g.
#   rustup target add aarch64-unknown-linux-gnu && apt-get install gcc-aarch64-linux-gnu
#   export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
# (or build on a Graviton machine). Output: target/deploy/ (see docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."

arch=x86_64
bin_dir_arg=
dry_run=false
build=true
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="${2:?--arch needs x86_64 or arm64}"; shift 2 ;;
    --arch=*) arch="${1#--arch=}"; shift ;;
    --dry-run) dry_run=true; shift ;;
    --no-build) build=false; shift ;;
    --bin-dir) bin_dir_arg="${2:?--bin-dir needs a directory}"; build=false; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "package.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$arch" in
  x86_64) target=x86_64-unknown-linux-gnu ;;
  arm64) target=aarch64-unknown-linux-gnu ;;
  *) echo "package.sh: --arch must be x86_64 or arm64 (Lambda's names), not '$arch'" >&2; exit 2 ;;
esac

# Each Lambda's binary; the cargo package of the same name builds it.
lambdas=(api task-runner results-parser)
out=target/deploy
bin_dir="${bin_dir_arg:-target/$target/release}"

cargo_args=(build --release --locked --target "$target")
for l in "${lambdas[@]}"; do cargo_args+=(-p "$l" --bin "$l"); done

if $dry_run; then
  echo "would run: CARGO_INCREMENTAL=0 cargo ${cargo_args[*]}"
elif $build; then
  if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$target"; then
    echo "package.sh: the Rust target $target is not installed; run: rustup target add $target" >&2
    exit 1
  fi
  CARGO_INCREMENTAL=0 cargo "${cargo_args[@]}"
fi

# Zips `bootstrap` with fixed timestamps and mode 0755, so equal binaries give equal zips (and keys).
zip_bootstrap() {
  python3 - "$1" "$2" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = 0o100755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(dst, "w") as z:
    z.writestr(info, f.read())
PY
}

# Refuses a binary that needs a newer glibc than provided.al2023's 2.34.
check_glibc() {
  command -v objdump >/dev/null || return 0
  local newest
  newest=$( (objdump -T "$1" | grep -oE 'GLIBC_[0-9.]+' | sort -uV | tail -1) || true)
  case "$newest" in
    GLIBC_2.3[5-9]*|GLIBC_2.[4-9][0-9]*)
      echo "package.sh: $1 needs $newest; provided.al2023 has glibc 2.34 (build on an older glibc, e.g. cargo lambda / cross)" >&2
      return 1 ;;
  esac
}

declare -A keys
if ! $dry_run; then
  rm -rf "$out" && mkdir -p "$out/lambda" "$out/console/assets"
  for l in "${lambdas[@]}"; do
    bin="$bin_dir/$l"
    [ -f "$bin" ] || { echo "package.sh: $bin is missing; build it first (drop --no-build)" >&2; exit 1; }
    work="$out/lambda/$l"
    mkdir -p "$work"
    cp "$bin" "$work/bootstrap"
    # Line tables help local backtraces only; Lambda loads the binary faster without them.
    if command -v strip >/dev/null; then strip --strip-debug "$work/bootstrap" 2>/dev/null || true; fi
    check_glibc "$work/bootstrap"
    zip_bootstrap "$work/bootstrap" "$work.zip"
    hash=$(sha256sum "$work.zip" | cut -c1-12)
    mv "$work.zip" "$out/lambda/$l-$hash.zip"
    rm -rf "$work"
    keys[$l]="stampede/lambda/$l-$hash.zip"
    echo "packaged $out/lambda/$l-$hash.zip ($(wc -c < "$out/lambda/$l-$hash.zip") bytes)"
  done
  cp crates/hub/assets/index.html "$out/console/index.html"
  cp -R crates/hub/assets/. "$out/console/assets/"
  rm "$out/console/assets/index.html"
  echo "console: $out/console ($(find "$out/console" -type f | wc -l) files)"
else
  for l in "${lambdas[@]}"; do keys[$l]="stampede/lambda/$l-<hash>.zip"; done
fi

stack="${STACK_NAME:-stampede}"
region="${AWS_REGION:-<region>}"
code_bucket="${CODE_BUCKET:-<code-bucket>}"
image="${IMAGE_URI:-<account>.dkr.ecr.$region.amazonaws.com/stampede:latest}"
email="${ADMIN_EMAIL:-<admin-email>}"
registry="${image%%/*}"
platform=linux/amd64 task_arch=X86_64
if [ "$arch" = arm64 ]; then platform=linux/arm64 task_arch=ARM64; fi

cat <<EOF

# ---- next steps (docs/deploy.md explains each) ----
# 1. the Lambda zips
aws s3 cp $out/lambda/ s3://$code_bucket/stampede/lambda/ --recursive --region $region
# 2. the load-tester image (the repository's Dockerfile; entrypoint \`stampede ecs\`)
aws ecr create-repository --repository-name stampede --region $region   # once
aws ecr get-login-password --region $region | docker login --username AWS --password-stdin $registry
docker buildx build --platform $platform -t $image --push .
# 3. the stack
aws cloudformation deploy --region $region --stack-name $stack \\
  --template-file deploy/template.yaml --capabilities CAPABILITY_IAM \\
  --parameter-overrides ImageUri=$image CodeBucket=$code_bucket AdminEmail=$email \\
    ApiCodeKey=${keys[api]} TaskRunnerCodeKey=${keys[task-runner]} \\
    ResultsParserCodeKey=${keys[results-parser]} LambdaArchitecture=$arch TaskArchitecture=$task_arch
# 4. the console
output() { aws cloudformation describe-stacks --region $region --stack-name $stack --query "Stacks[0].Outputs[?OutputKey=='\$1'].OutputValue" --output text; }
aws s3 sync $out/console/ s3://\$(output ConsoleBucket)/ --delete --cache-control no-cache --region $region
aws cloudfront create-invalidation --distribution-id \$(output ConsoleDistributionId) --paths '/*'
echo "console: \$(output ConsoleUrl)"
EOF
