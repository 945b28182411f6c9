"""A positive (`bad`) and a negative (`good`) snippet for every shipped semgrep rule.

In `bad`, every line that must be reported ends with `# expect`; no other line of `bad` and no line of
`good` may be reported by that rule.
"""

from __future__ import annotations

CASES: dict[str, tuple[str, str]] = {
    "sql-injection-string-building": (
        '''
import sqlite3

def find(conn: sqlite3.Connection, name: str, ids: list[int]):
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)  # expect
    cur.execute("SELECT * FROM users WHERE name = '{}'".format(name))  # expect
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")  # expect
    cur.execute("SELECT * FROM users WHERE name = '" + name + "'")  # expect
    cur.executemany("INSERT INTO t VALUES (%s)" % name, [])  # expect
    query = f"DELETE FROM users WHERE id IN ({','.join(map(str, ids))})"  # expect
    cur.execute(query)

def by_name(model, name):
    return model.objects.raw("SELECT * FROM app_user WHERE name = '%s'" % name)  # expect
''',
        '''
import sqlite3

def find(conn: sqlite3.Connection, name: str):
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    cur.execute("SELECT count(*) FROM users")
    cur.executemany("INSERT INTO t VALUES (?)", [(name,)])
    query = "SELECT * FROM users WHERE name = :name"
    cur.execute(query, {"name": name})
    label = "user %s" % name
    print(label)

def by_name(model, name):
    return model.objects.raw("SELECT * FROM app_user WHERE name = %s", [name])
''',
    ),
    "sqlalchemy-text-string-building": (
        '''
import sqlalchemy
from sqlalchemy import text

def find(session, name):
    session.execute(text("SELECT * FROM users WHERE name = '%s'" % name))  # expect
    session.execute(sqlalchemy.text(f"SELECT * FROM users WHERE name = '{name}'"))  # expect
    session.execute(text("SELECT * FROM users WHERE name = '" + name + "'"))  # expect
''',
        '''
from sqlalchemy import text

def find(session, name):
    session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
    session.execute(text("SELECT * FROM users WHERE name = :name").bindparams(name=name))
''',
    ),
    "subprocess-shell-true": (
        '''
import subprocess

def run(user_input: str):
    subprocess.run("ls " + user_input, shell=True)  # expect
    subprocess.call(f"grep {user_input} file.txt", shell=True)  # expect
    subprocess.Popen(user_input, shell=True, stdout=subprocess.PIPE)  # expect
    return subprocess.check_output("cat %s" % user_input, shell=True)  # expect
''',
        '''
import subprocess

def run(user_input: str):
    subprocess.run(["ls", user_input])
    subprocess.run("ls -la", shell=True)
    subprocess.check_output(["grep", user_input, "file.txt"], shell=False)
''',
    ),
    "os-system-non-literal": (
        '''
import os
from os import system

def clean(path: str):
    system("rm -rf " + path)  # expect
    os.system("rm -rf " + path)  # expect
    os.system(f"tar czf backup.tgz {path}")  # expect
    return os.popen("du -sh %s" % path).read()  # expect
''',
        '''
import os
import subprocess

def clean(path: str):
    os.system("make clean")
    subprocess.run(["rm", "-rf", path], check=True)
    return os.popen("uptime").read()
''',
    ),
    "yaml-unsafe-load": (
        '''
import yaml

def read(text: str):
    a = yaml.load(text)  # expect
    b = yaml.load(text, Loader=yaml.Loader)  # expect
    c = yaml.unsafe_load(text)  # expect
    d = yaml.load(text, Loader=yaml.UnsafeLoader)  # expect
    e = list(yaml.load_all(text, Loader=yaml.FullLoader))  # expect
    return a, b, c, d, e
''',
        '''
import yaml

def read(text: str):
    a = yaml.safe_load(text)
    b = yaml.load(text, Loader=yaml.SafeLoader)
    c = yaml.load(text, yaml.CSafeLoader)
    d = list(yaml.safe_load_all(text))
    return a, b, c, d
''',
    ),
    "unsafe-deserialization": (
        '''
import marshal
import pickle

import dill
import numpy as np
import pandas as pd
import torch

def restore(blob: bytes, fh, path: str):
    a = pickle.loads(blob)  # expect
    b = pickle.load(fh)  # expect
    c = dill.loads(blob)  # expect
    d = marshal.loads(blob)  # expect
    e = pickle.Unpickler(fh).load()  # expect
    f = pd.read_pickle(path)  # expect
    g = np.load(path, allow_pickle=True)  # expect
    h = torch.load(path)  # expect
    return a, b, c, d, e, f, g, h
''',
        '''
import json
import pickle

import numpy as np
import torch

def restore(blob: bytes, obj, path: str):
    a = json.loads(blob)
    b = pickle.dumps(obj)
    c = np.load(path)
    d = torch.load(path, weights_only=True)
    return a, b, c, d
''',
    ),
    "eval-exec-non-literal": (
        '''
def calc(expression: str, code: str, path: str):
    with open(path) as fh:
        exec(fh.read(), {})  # expect
    value = eval(expression)  # expect
    exec(code)  # expect
    exec(compile(code, "<input>", "exec"), {})  # expect
    return value
''',
        '''
import ast

def calc(expression: str, model, frame):
    value = ast.literal_eval(expression)
    total = eval("1 + 2")
    model.eval()
    frame.eval("a + b")
    return value, total
''',
    ),
    "tls-verification-disabled": (
        '''
import httpx
import requests

def fetch(url: str):
    a = requests.get(url, verify=False)  # expect
    b = requests.post(url, data={}, verify=False)  # expect
    c = httpx.get(url, verify=False)  # expect
    session = requests.Session()
    session.verify = False  # expect
    return a, b, c, session
''',
        '''
import httpx
import requests

def fetch(url: str):
    a = requests.get(url, timeout=10)
    b = requests.post(url, data={}, verify="/etc/ssl/certs/ca.pem")
    c = httpx.get(url, verify=True)
    session = requests.Session()
    session.verify = "/etc/ssl/certs/ca.pem"
    return a, b, c, session
''',
    ),
    "ssl-unverified-context": (
        '''
import ssl
import urllib.request

def fetch(url: str):
    ctx = ssl._create_unverified_context()  # expect
    other = ssl.create_default_context()
    other.check_hostname = False  # expect
    other.verify_mode = ssl.CERT_NONE  # expect
    return urllib.request.urlopen(url, context=ctx)
''',
        '''
import ssl
import urllib.request

def fetch(url: str):
    ctx = ssl.create_default_context()
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    return urllib.request.urlopen(url, context=ctx)
''',
    ),
    "ssl-weak-protocol": (
        '''
import ssl

def contexts():
    a = ssl.SSLContext(ssl.PROTOCOL_TLSv1)  # expect
    b = ssl.SSLContext(ssl.PROTOCOL_SSLv3)  # expect
    return a, b
''',
        '''
import ssl

def contexts():
    a = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    a.minimum_version = ssl.TLSVersion.TLSv1_2
    return a
''',
    ),
    "weak-hash-for-password": (
        '''
import hashlib

def store(password: str, user):
    user.digest = hashlib.md5(password.encode()).hexdigest()  # expect
    user.other = hashlib.sha1(user.password).hexdigest()  # expect
    user.third = hashlib.new("md5", password.encode()).hexdigest()  # expect
''',
        '''
import hashlib
import os

def store(password: str, user, content: bytes):
    salt = os.urandom(16)
    user.digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    user.etag = hashlib.md5(content).hexdigest()
    user.check = hashlib.sha1(content, usedforsecurity=False).hexdigest()
''',
    ),
    "hardcoded-password": (
        '''
import psycopg2

DB_PASSWORD = "s3cr3t-Pa55word"  # expect
api_key = "AKIA0123456789ABCDEF"  # expect

def connect():
    return psycopg2.connect(host="db", user="app", password="hunter2hunter2")  # expect

SETTINGS = {"client_secret": "9f8e7d6c5b4a"}  # expect
''',
        '''
import os

import psycopg2

DB_PASSWORD = os.environ["DB_PASSWORD"]
PASSWORD_FIELD = "password"
password = ""
secret = None
api_key = "${API_KEY}"

def connect(password: str):
    return psycopg2.connect(host="db", user="app", password=password)
''',
    ),
    "tempfile-mktemp": (
        '''
import tempfile

def scratch():
    path = tempfile.mktemp(suffix=".txt")  # expect
    return path
''',
        '''
import tempfile

def scratch():
    fd, path = tempfile.mkstemp(suffix=".txt")
    with tempfile.NamedTemporaryFile() as fh:
        fh.write(b"x")
    return fd, path
''',
    ),
    "jinja2-autoescape-disabled": (
        '''
import jinja2
from jinja2 import Environment, FileSystemLoader

a = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"), autoescape=False)  # expect
b = Environment(loader=FileSystemLoader("templates"), autoescape=False)  # expect
c = jinja2.Template("<p>{{ name }}</p>", autoescape=False)  # expect
''',
        '''
import jinja2
from jinja2 import Environment, FileSystemLoader, select_autoescape

a = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"), autoescape=True)
b = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape(["html"]))
''',
    ),
    "flask-debug-enabled": (
        '''
from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    app.run(host="127.0.0.1", debug=True)  # expect
''',
        '''
import os

from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    app.run(host="127.0.0.1", debug=os.environ.get("FLASK_DEBUG") == "1")
''',
    ),
    "xml-external-entities": (
        '''
import xml.sax
from lxml import etree

def parse(data: bytes, path: str):
    a = etree.fromstring(data)  # expect
    b = etree.parse(path)  # expect
    parser = etree.XMLParser(resolve_entities=True)  # expect
    handler = xml.sax.make_parser()
    handler.setFeature(xml.sax.handler.feature_external_ges, True)  # expect
    return a, b, parser
''',
        '''
import defusedxml.ElementTree
from lxml import etree

def parse(data: bytes, path: str):
    safe = etree.XMLParser(resolve_entities=False, no_network=True)
    a = etree.fromstring(data, parser=safe)
    b = etree.parse(path, safe)
    c = defusedxml.ElementTree.fromstring(data)
    return a, b, c
''',
    ),
    "insecure-random-for-secret": (
        '''
import random
import string

def new_user(user):
    reset_token = "".join(random.choice(string.ascii_letters) for _ in range(32))  # expect
    user.password_salt = random.getrandbits(64)  # expect
    return reset_token

def make_session_id():
    return "%032x" % random.getrandbits(128)  # expect
''',
        '''
import random
import secrets

def new_user(user, items):
    reset_token = secrets.token_urlsafe(32)
    jitter = random.uniform(0.5, 1.5)
    sample = random.choice(items)
    return reset_token, jitter, sample

def make_session_id():
    return secrets.token_hex(16)
''',
    ),
    "path-traversal-from-request": (
        '''
import os

from flask import Flask, request, send_file

app = Flask(__name__)

@app.route("/read")
def read():
    name = request.args.get("name")
    with open(os.path.join("/srv/data", name)) as fh:  # expect
        return fh.read()

@app.route("/download")
def download():
    return send_file("/srv/files/" + request.args["file"])  # expect
''',
        '''
import os

from flask import Flask, request, send_file
from werkzeug.utils import secure_filename

app = Flask(__name__)

@app.route("/read")
def read():
    name = secure_filename(request.args.get("name", ""))
    with open(os.path.join("/srv/data", name)) as fh:
        return fh.read()

@app.route("/download")
def download():
    return send_file(os.path.join("/srv/files", os.path.basename(request.args["file"])))
''',
    ),
    "bind-all-interfaces": (
        '''
import socket

def serve(app, port: int):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("0.0.0.0", port))  # expect
    app.run(host="0.0.0.0", port=port)  # expect
''',
        '''
import socket

def serve(app, port: int, host: str):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", port))
    app.run(host=host, port=port)
''',
    ),
    "ssh-auto-add-host-key": (
        '''
import paramiko

def connect(host: str):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # expect
    client.connect(host)
    return client
''',
        '''
import paramiko

def connect(host: str):
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host)
    return client
''',
    ),
    "weak-cipher": (
        '''
from Crypto.Cipher import AES, DES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

def encrypt(key: bytes, data: bytes):
    a = DES.new(key, DES.MODE_CBC)  # expect
    b = AES.new(key, AES.MODE_ECB)  # expect
    c = Cipher(algorithms.AES(key), modes.ECB())  # expect
    d = Cipher(algorithms.TripleDES(key), modes.CBC(b"0" * 8))  # expect
    return a, b, c, d
''',
        '''
import os

from Crypto.Cipher import AES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def encrypt(key: bytes, data: bytes):
    a = AES.new(key, AES.MODE_GCM)
    b = Cipher(algorithms.AES(key), modes.CBC(os.urandom(16)))
    c = AESGCM(key).encrypt(os.urandom(12), data, None)
    return a, b, c
''',
    ),
    "world-writable-permissions": (
        '''
import os
from pathlib import Path

def publish(path: str):
    os.chmod(path, 0o777)  # expect
    os.makedirs("/srv/shared", mode=0o777, exist_ok=True)  # expect
    Path(path).chmod(0o666)  # expect
''',
        '''
import os
from pathlib import Path

def publish(path: str):
    os.chmod(path, 0o644)
    os.makedirs("/srv/shared", mode=0o755, exist_ok=True)
    Path(path).chmod(0o600)
''',
    ),
}
