//! Images are decoded under limits (a small file that declares a huge picture is refused before
//! memory is spent on it), turned upright by their EXIF orientation, and re-encoded. Re-encoding
//! writes pixels only, so EXIF (GPS position, camera, time), XMP and comments are gone — patient
//! privacy. A thumbnail for phones is made at the same time.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::sniff::Kind;

/// Largest width or height accepted (a 48-megapixel phone photo is 8000 × 6000).
pub const MAX_SIDE: u32 = 10_000;
/// Most memory a decoder may take.
const MAX_ALLOC: u64 = 320 * 1024 * 1024;
/// Width of thumbnails shown in posts on phones.
pub const THUMB_WIDTH: u32 = 480;
const JPEG_QUALITY: u8 = 85;

pub struct Processed {
    pub full: Vec<u8>,
    pub thumb: Vec<u8>,
    /// The type of both files: JPEG photos stay JPEG; PNG, GIF (first frame) and WebP become PNG.
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ImageProblem {
    /// Larger than the limits (a decompression bomb, or simply too big).
    TooLarge,
    /// Not a readable image of its kind.
    Unreadable,
}

/// Decodes, orients, strips and re-encodes an image; CPU-heavy, call it on the blocking pool.
pub fn process(bytes: &[u8], kind: Kind) -> Result<Processed, ImageProblem> {
    let picture = decode(bytes, kind)?;
    let (width, height) = (picture.width(), picture.height());
    let thumb = thumbnail(&picture);
    let (full, thumb, content_type) = if kind == Kind::Jpeg {
        (encode_jpeg(&picture)?, encode_jpeg(&thumb)?, "image/jpeg")
    } else {
        (encode_png(&picture)?, encode_png(&thumb)?, "image/png")
    };
    Ok(Processed { full, thumb, content_type, width, height })
}

fn decode(bytes: &[u8], kind: Kind) -> Result<DynamicImage, ImageProblem> {
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::Gif => ImageFormat::Gif,
        Kind::Webp => ImageFormat::WebP,
        Kind::Pdf => return Err(ImageProblem::Unreadable),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(problem)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(problem)?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn problem(err: ImageError) -> ImageProblem {
    match err {
        ImageError::Limits(_) => ImageProblem::TooLarge,
        _ => ImageProblem::Unreadable,
    }
}

/// At most `THUMB_WIDTH` wide, proportions kept; smaller pictures are kept as they are.
fn thumbnail(picture: &DynamicImage) -> DynamicImage {
    if picture.width() <= THUMB_WIDTH {
        return picture.clone();
    }
    let height = (u64::from(picture.height()) * u64::from(THUMB_WIDTH) / u64::from(picture.width())).max(1) as u32;
    picture.resize_exact(THUMB_WIDTH, height, image::imageops::FilterType::Triangle)
}

fn encode_jpeg(picture: &DynamicImage) -> Result<Vec<u8>, ImageProblem> {
    let mut out = Vec::new();
    let rgb = picture.to_rgb8();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(&rgb).map_err(problem)?;
    Ok(out)
}

fn encode_png(picture: &DynamicImage) -> Result<Vec<u8>, ImageProblem> {
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, ImageFormat::Png).map_err(problem)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        encode_png(&DynamicImage::new_rgb8(width, height)).unwrap()
    }

    #[test]
    fn wide_pictures_get_a_phone_thumbnail() {
        let out = process(&png(1200, 600), Kind::Png).unwrap();
        let thumb = image::load_from_memory(&out.thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (480, 240));
        assert_eq!((out.width, out.height, out.content_type), (1200, 600, "image/png"));
    }

    #[test]
    fn a_declared_size_beyond_the_limits_is_refused() {
        assert_eq!(process(&png(MAX_SIDE + 1, 1), Kind::Png).err(), Some(ImageProblem::TooLarge));
        assert_eq!(process(b"\x89PNG\r\n\x1a\nnonsense", Kind::Png).err(), Some(ImageProblem::Unreadable));
    }
}
